import './cjs-ts-resolve.cjs';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startPostgres, type PgHandle } from './postgres.js';
import { reapProcesses } from './process-registry.js';
import { newRunId, ownerPidOf, repoRoot, testTmpRoot } from './tmp.js';

/** Where globalSetup leaves the shared PostgreSQL handle for globalTeardown (same process). */
export const sharedPgKey = Symbol.for('nest-redis-platform.test.sharedPg');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (!entry.name.endsWith('.spec.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Runs `nest build` when dist/main.js is missing or older than a file in src/ (specs aside). */
function buildAppIfStale(): void {
  if (process.env.TEST_SKIP_BUILD === '1') {
    console.warn('[test] TEST_SKIP_BUILD=1: not building; app specs run whatever dist/ holds');
    return;
  }
  if (!existsSync(join(repoRoot, 'src', 'main.ts'))) {
    console.warn('[test] src/main.ts does not exist yet: nothing to build');
    return;
  }
  const main = join(repoRoot, 'dist', 'main.js');
  if (existsSync(main) && statSync(main).mtimeMs >= newestMtime(join(repoRoot, 'src'))) return;
  const result = spawnSync('npx', ['nest', 'build'], { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error(
      `[test] \`npx nest build\` failed (exit ${result.status ?? result.signal}): fix the build, or run with ` +
        'TEST_SKIP_BUILD=1 to skip it (specs that start the app then fail)',
      { cause: result.error },
    );
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the run directories of runs whose jest process is gone (crashed or killed runs). */
function removeStaleRunDirs(): void {
  if (!existsSync(testTmpRoot)) return;
  for (const name of readdirSync(testTmpRoot)) {
    const owner = ownerPidOf(name);
    if (name !== 'pids' && owner && !isAlive(owner))
      rmSync(join(testTmpRoot, name), { recursive: true, force: true });
  }
}

/**
 * Jest globalSetup of the integration project: creates the run id, reaps what crashed runs left, builds
 * the app when stale, and starts the shared PostgreSQL (`TEST_PG_ADMIN_URL`). Workers inherit the env.
 */
export default async function globalSetup(): Promise<void> {
  process.env.TEST_RUN_ID = newRunId(process.pid);
  process.env.TEST_RUN_OWNER_PID = String(process.pid);
  const reaped = await reapProcesses();
  if (reaped.length) console.warn(`[test] killed ${reaped.length} process(es) left by earlier runs`);
  removeStaleRunDirs();
  buildAppIfStale();
  const started = Date.now();
  const pgServer: PgHandle = await startPostgres();
  if (process.env.TEST_HARNESS_TIMINGS === '1')
    console.warn(`[test] shared PostgreSQL: ${Date.now() - started} ms`);
  (globalThis as Record<symbol, unknown>)[sharedPgKey] = pgServer;
  process.env.TEST_PG_ADMIN_URL = pgServer.url;
  process.env.TEST_PG_PID = String(pgServer.pid);
}
