import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { authEnv } from './auth.js';
import { spawnTracked, type ExitInfo } from './child.js';
import { freePort } from './ports.js';
import { repoRoot } from './tmp.js';
import { waitUntil } from './wait.js';

/** Options for {@link startApp}. */
export interface StartAppOptions {
  /** Added to the environment (REDIS_*, DATABASE_URL, ADMIN_TOKEN, ...); wins over the defaults. */
  env: Record<string, string>;
  /** The HTTP adapter (`HTTP_ADAPTER`); default: the app's default (Express), unless `env` sets it. */
  adapter?: 'express' | 'fastify';
  /** Fixed HTTP port instead of a free one. */
  port?: number;
  /** Script to run instead of `dist/main.js` (the harness self-test uses a stub). */
  entry?: string;
  /** How long to wait for `GET /health/live` to answer 200 (default 30 s). */
  readyTimeoutMs?: number;
}

/** A running app process (`node dist/main.js`). */
export interface AppHandle {
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  pid: number;
  /** The last stdout + stderr output, for diagnostics in failure messages. */
  output(): string;
  /** Sends `signal` (default SIGTERM), SIGKILL after `timeoutMs` (default 10 s); resolves on exit. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ExitInfo & { durationMs: number }>;
  /** SIGKILL to the app's process group. */
  kill(): Promise<ExitInfo>;
  /** Resolves when the process has exited, however it ended. */
  exited: Promise<ExitInfo>;
}

/** `process.env` without the variables that would point the app at someone else's Redis or database. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key.startsWith('REDIS_') || key === 'DATABASE_URL') continue;
    env[key] = value;
  }
  return env;
}

/**
 * Spawns the built app in its own process group (cwd: the repo root) and resolves once
 * `GET /health/live` answers 200; on failure the error carries the process output.
 *
 * @example
 * const redis = await startRedis();
 * const app = await startApp({ env: { ...redis.env, DATABASE_URL: await createTestDatabase() } });
 * await fetch(`${app.url}/health/ready`);
 * await app.stop();
 */
export async function startApp(opts: StartAppOptions): Promise<AppHandle> {
  const entry = opts.entry ?? join(repoRoot, 'dist', 'main.js');
  if (!existsSync(entry)) {
    throw new Error(`${entry} is missing: globalSetup builds it with nest build (unless TEST_SKIP_BUILD=1)`);
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await startAppOnce(entry, opts, opts.port ?? (await freePort()));
    } catch (err) {
      // The port was free when picked; a parallel worker may have bound it since.
      if (opts.port !== undefined || attempt >= 3 || !/EADDRINUSE/.test((err as Error).message)) throw err;
    }
  }
}

async function startAppOnce(entry: string, opts: StartAppOptions, port: number): Promise<AppHandle> {
  // Test servers listen on loopback only.
  const env = {
    ...baseEnv(),
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    ...authEnv(),
    ...(opts.adapter ? { HTTP_ADAPTER: opts.adapter } : {}),
    ...opts.env,
    PORT: String(port),
  };
  const proc = await spawnTracked(process.execPath, [entry], {
    kind: 'app',
    cwd: repoRoot,
    env,
    group: true,
  });
  const url = `http://127.0.0.1:${port}`;
  const fail = async (reason: string, cause?: unknown): Promise<never> => {
    await proc.kill();
    throw new Error(`${reason}\n--- app output (${entry}) ---\n${proc.output().slice(-8_000)}`, { cause });
  };

  let state: 'live' | 'exited';
  try {
    state = await waitUntil(
      async () => {
        if (!proc.running) return 'exited'; // stop polling at once: the output says why
        // `connection: close`: no pooled keep-alive socket left open in the test process.
        const res = await fetch(`${url}/health/live`, {
          headers: { connection: 'close' },
          signal: AbortSignal.timeout(2_000),
        });
        await res.arrayBuffer();
        return res.status === 200 && 'live';
      },
      {
        message: `GET ${url}/health/live did not answer 200`,
        timeoutMs: opts.readyTimeoutMs ?? 30_000,
        intervalMs: 100,
      },
    );
  } catch (err) {
    return fail((err as Error).message, err);
  }
  if (state === 'exited') {
    const { code, signal } = await proc.exited;
    return fail(`the app exited during start (code ${code}, signal ${signal})`);
  }
  const { pid, output, stop, kill, exited } = proc;
  return { port, url, pid, output, stop, kill, exited };
}

/**
 * Starts `count` app instances on distinct free ports with the same environment (for cross-instance
 * tests: cache invalidation, rate limits, locks); if one fails, the others are stopped.
 */
export async function startApps(count: number, opts: Omit<StartAppOptions, 'port'>): Promise<AppHandle[]> {
  const started = await Promise.allSettled(Array.from({ length: count }, () => startApp(opts)));
  const apps = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(apps.map((a) => a.kill()));
    throw failed.reason;
  }
  return apps;
}
