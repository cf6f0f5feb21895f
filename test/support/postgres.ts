import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './ports.js';
import { registerProcess } from './process-registry.js';
import { testTmpDir } from './tmp.js';

const run = promisify(execFile);
const debianBin = '/usr/lib/postgresql/15/bin';
const binDir = process.env.PG_BIN ?? (existsSync(debianBin) ? debianBin : '');
const isRoot = process.getuid?.() === 0;

/** A running PostgreSQL cluster on 127.0.0.1. */
export interface PgHandle {
  port: number;
  /** Superuser URL of the `postgres` database. */
  url: string;
  /** The postmaster's pid. */
  pid: number;
  dataDir: string;
  /** Creates a fresh database and returns its `postgres://` URL. */
  createDatabase(name?: string): Promise<string>;
  /** Fast shutdown, then removes the data directory. */
  stop(): Promise<void>;
}

function postgresIds(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('no `postgres` OS user: PostgreSQL refuses to run as root without one');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Runs a PostgreSQL binary, as the `postgres` user when we are root (PostgreSQL refuses root). */
async function pgTool(name: string, args: string[], cwd: string): Promise<void> {
  const command = binDir ? join(binDir, name) : name;
  const [file, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  try {
    await run(file, argv, { cwd, timeout: 60_000 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${name} failed: ${e.stderr || e.stdout || e.message}`, { cause: err });
  }
}

/**
 * Creates a database through the superuser URL `adminUrl` and returns the new database's URL.
 * The name is a fresh `test_<hex>` unless given (lower-case identifier only).
 */
export async function createDatabaseAt(
  adminUrl: string,
  name = `test_${randomBytes(6).toString('hex')}`,
): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid database name: ${name}`);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Initialises and starts a throwaway PostgreSQL (trust auth, listening on 127.0.0.1 only, fsync off,
 * 200 connections) in a directory under `.test-tmp/` (under the system temp directory when root).
 *
 * @example const pgServer = await startPostgres(); const url = await pgServer.createDatabase();
 */
export async function startPostgres(): Promise<PgHandle> {
  // As root, the server runs as `postgres`, which cannot enter a checkout under a private directory
  // (a clone in `mktemp -d`, /root): its files then live under the system temp directory instead.
  const dir = isRoot ? mkdtempSync(join(tmpdir(), 'nrp-test-postgres-')) : testTmpDir('postgres');
  const dataDir = join(dir, 'data');
  const socketDir = join(dir, 'socket');
  mkdirSync(dataDir, { mode: 0o700 });
  mkdirSync(socketDir);
  if (isRoot) {
    const { uid, gid } = postgresIds();
    for (const d of [dir, dataDir, socketDir]) chownSync(d, uid, gid);
  }
  const initArgs = ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C'];
  await pgTool('initdb', [...initArgs, '--no-sync', '--no-instructions'], dir);

  const logFile = join(dir, 'postgres.log');
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    const settings = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${socketDir}`;
    // pg_stat_statements: specs count the queries a request makes.
    const options = `${settings} -c fsync=off -c max_connections=200 -c shared_preload_libraries=pg_stat_statements`;
    try {
      await pgTool('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '30', '-o', options, 'start'], dir);
      break;
    } catch (err) {
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      if (attempt < 3 && /could not bind/i.test(log)) continue;
      throw new Error(`${(err as Error).message}\n--- ${logFile} ---\n${log.slice(-2_000)}`, { cause: err });
    }
  }
  // pg_ctl detaches the postmaster into its own session: only its pid file says who to stop.
  const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const unregister = registerProcess({ pid, kind: 'postgres', signal: 'SIGQUIT' });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;

  let stopped = false;
  return {
    port,
    url,
    pid,
    dataDir,
    createDatabase: (name?: string) => createDatabaseAt(url, name),
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await pgTool('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '10', 'stop'], dir);
      } catch (err) {
        // Left registered: globalTeardown's reaper sends SIGQUIT (immediate shutdown), then SIGKILL.
        throw new Error(`PostgreSQL on port ${port} did not stop`, { cause: err });
      }
      unregister();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
