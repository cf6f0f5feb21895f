import './cjs-ts-resolve.cjs';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { sharedPgKey } from './global-setup.js';
import type { PgHandle } from './postgres.js';
import { reapProcesses } from './process-registry.js';
import { testTmpRoot } from './tmp.js';

/**
 * Jest globalTeardown of the integration project: stops the shared PostgreSQL, kills every process this
 * run (or a dead run) left registered, and removes the run directory unless `TEST_KEEP_TMP=1`.
 */
export default async function globalTeardown(): Promise<void> {
  const pgServer = (globalThis as Record<symbol, PgHandle | undefined>)[sharedPgKey];
  delete (globalThis as Record<symbol, unknown>)[sharedPgKey];
  try {
    await pgServer?.stop();
  } catch (err) {
    console.error('[test] the shared PostgreSQL did not stop cleanly; reaping it', err);
  }
  const runId = process.env.TEST_RUN_ID;
  const leftovers = await reapProcesses(runId);
  if (leftovers.length) {
    // A spec that forgot a stop(), or a worker that crashed: worth knowing, not worth failing the run.
    console.warn(
      `[test] killed leftover processes: ${leftovers.map((p) => `${p.kind}(${p.pid})`).join(', ')}`,
    );
  }
  if (runId && process.env.TEST_KEEP_TMP !== '1')
    rmSync(join(testTmpRoot, runId), { recursive: true, force: true });
}
