// The bench's own world: a throwaway redis-server and the built app (BENCH_ROUTES=1) on free loopback
// ports, shared by `npm run bench` (run.mjs) and `npm run bench:profile` (profile.mjs).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

export const root = new URL('..', import.meta.url).pathname;

/** The HS256 secret of the benched app, random per run: the `authed` scenario signs its token with it. */
export const BENCH_AUTH_SECRET = randomBytes(48).toString('base64url');

/** The HTTP adapter the bench runs the app on: `HTTP_ADAPTER=fastify npm run bench` (default express). */
export const benchAdapter = process.env.HTTP_ADAPTER || 'express';

/**
 * Builds the app when needed, starts redis-server and the app, waits for /health/ready. `peers: true`
 * starts the vendored peer app (bench/peers, built by `npm run bench:peers`) instead, ready once it
 * answers /bench/plain.
 * @param {{ nodeArgs?: string[], env?: Record<string, string>, peers?: boolean }} [options]
 */
export async function startBench(options = {}) {
  if (!existsSync(join(root, 'dist/main.js')) || process.env.BENCH_BUILD === '1') {
    execFileSync('npx', ['nest', 'build'], { cwd: root, stdio: 'inherit' });
  }
  const { RedisServerProcess, findFreePort } = await import(
    join(root, 'dist/platform/redis/redis-server.process.js')
  );
  const work = mkdtempSync(join(tmpdir(), 'bench-'));
  const redisServer = new RedisServerProcess({ dir: join(work, 'redis'), appendOnly: false });
  await redisServer.start();
  const port = await findFreePort();
  const entry = options.peers
    ? join(root, 'bench/peers/dist/main.js')
    : (process.env.BENCH_ENTRY ?? join(root, 'dist/main.js'));
  if (options.peers && !existsSync(entry))
    throw new Error(`${entry} is missing: run npm run bench:peers once`);
  const ready = options.peers ? '/bench/plain' : '/health/ready';
  const app = spawn(process.execPath, [...(options.nodeArgs ?? []), entry], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      BENCH_ROUTES: '1',
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: `redis://127.0.0.1:${redisServer.port}`,
      DATABASE_URL: process.env.BENCH_DATABASE_URL ?? '',
      DATA_DIR: join(work, 'data'),
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn', // info: the access log's cost
      AUTH_JWT_SECRET: BENCH_AUTH_SECRET,
      EMAIL_TRANSPORT: 'log', // production would otherwise require SMTP_URL
      HTTP_ADAPTER: benchAdapter,
      // Production needs a DATABASE_URL; without one the bench uses embedded PGlite in its temp dir.
      ...(process.env.BENCH_DATABASE_URL ? {} : { NODE_ENV: 'test' }),
      ...(options.env ?? {}),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise((resolve) => app.once('exit', resolve));
  const baseUrl = `http://127.0.0.1:${port}`;
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    app.kill('SIGTERM');
    await exited;
    await redisServer.stop();
    rmSync(work, { recursive: true, force: true });
  };
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ]) {
    process.once(signal, () => cleanup().then(() => process.exit(code)));
  }
  // A runner that dies before cleanup (an uncaught error, a closed stdout pipe) still takes its
  // children with it: 'exit' handlers run synchronously, so a signal is all they can send.
  process.once('exit', () => {
    if (cleaned) return;
    app.kill('SIGKILL');
    if (redisServer.pid) process.kill(redisServer.pid, 'SIGKILL');
  });
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${baseUrl}${ready}`)).ok) break;
      } catch {
        // not listening yet
      }
      if (i > 300 || app.exitCode !== null) throw new Error('app did not become ready');
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await cleanup();
    throw err;
  }
  return { app, baseUrl, redisPort: redisServer.port, work, cleanup };
}

/** autocannon options for scenario `s` against `baseUrl`. */
export function cannonOptions(baseUrl, s, connections) {
  return {
    url: baseUrl + s.path,
    method: s.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...(s.headers ?? {}) },
    body: s.body,
    requests: s.requests,
    connections,
  };
}

/**
 * Where a profile's call frame comes from: an npm package (`@nestjs/core`), Node itself (`node`), a folder
 * of the built app (`dist/platform/http`), or `(native)`. Used by bench:profile and bench:alloc.
 */
export function packageOf(url) {
  if (!url) return '(native)';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = path.slice(nm + 13).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (path.startsWith('node:')) return 'node';
  const rel = relative(root, path);
  return rel.startsWith('dist/') ? rel.split('/').slice(0, 3).join('/') : rel;
}

/** The median of the finite numbers of `values` (the mean of the middle two for an even count). */
export function median(values) {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  return v.length % 2 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}
