import { Logger } from '@nestjs/common';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RedisServerProcess } from './redis-server.process.js';

const MISSING =
  'redis-server was not found on PATH: install it (apt-get install redis-server) or set REDIS_URL';

function hasRedisBinary(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The one-line reason the embedded default cannot start (no Redis variable and no binary), else undefined. */
export function embeddedRedisMissing(env: Record<string, string | undefined>): string | undefined {
  const embedded = !env.REDIS_URL && !env.REDIS_SENTINELS && !env.REDIS_CLUSTER_NODES;
  return embedded && !hasRedisBinary() ? MISSING : undefined;
}

/** Stable error for "no redis-server binary": the boot stops with a line saying what to do. */
export class RedisBinaryMissingError extends Error {
  readonly code = 'REDIS_BINARY_MISSING';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function isRedisServer(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server');
  } catch {
    return false;
  }
}

/**
 * The newcomer's default: a `redis-server` from PATH owned by this process, on a free loopback port,
 * data under `.data/redis` with AOF on. A lock file records the owner: a second live app on the same
 * directory is refused (two servers on one AOF would corrupt it), and an orphan left by an app that was
 * killed with SIGKILL is stopped before the new server starts.
 */
export class EmbeddedRedis {
  private readonly logger = new Logger('EmbeddedRedis');
  private server?: RedisServerProcess;
  private readonly lockFile: string;

  constructor(private readonly dir: string) {
    this.lockFile = join(dir, 'embedded.lock');
  }

  /** Starts the server and returns its URL. */
  async start(): Promise<string> {
    if (!hasRedisBinary()) throw new RedisBinaryMissingError(MISSING);
    mkdirSync(this.dir, { recursive: true });
    this.takeOverLock();
    this.server = new RedisServerProcess({ dir: this.dir, appendOnly: true, appendFsync: 'everysec' });
    await this.server.start();
    writeFileSync(this.lockFile, JSON.stringify({ appPid: process.pid, redisPid: this.server.pid }));
    this.logger.log(`embedded redis-server on 127.0.0.1:${this.server.port}, data in ${this.dir}`);
    return `redis://127.0.0.1:${this.server.port}`;
  }

  private takeOverLock(): void {
    if (!existsSync(this.lockFile)) return;
    let owner: { appPid?: number; redisPid?: number } = {};
    try {
      owner = JSON.parse(readFileSync(this.lockFile, 'utf8')) as typeof owner;
    } catch {
      // An unreadable lock file is treated as stale.
    }
    if (owner.appPid && owner.appPid !== process.pid && alive(owner.appPid)) {
      throw new Error(
        `${this.dir} is used by the embedded Redis of process ${owner.appPid}: stop it or set REDIS_URL`,
      );
    }
    if (owner.redisPid && alive(owner.redisPid) && isRedisServer(owner.redisPid)) {
      this.logger.warn(`stopping orphaned embedded redis-server ${owner.redisPid}`);
      process.kill(owner.redisPid, 'SIGKILL');
      const deadline = Date.now() + 2000;
      while (alive(owner.redisPid) && Date.now() < deadline) execFileSync('sleep', ['0.05']);
    }
  }

  /** Stops the server (SIGTERM, so the AOF is flushed) and removes the lock. */
  async stop(): Promise<void> {
    await this.server?.stop();
    rmSync(this.lockFile, { force: true });
  }
}
