import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (two levels above this file). */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** `<repo>/.test-tmp`: everything the harness writes lives here (gitignored). */
export const testTmpRoot = join(repoRoot, '.test-tmp');

/**
 * A new run id, `<utc-timestamp>-<pid>`. The pid is the jest process that owns the run, so a later run can
 * tell whether a leftover run directory or pid file belongs to a run that is still alive.
 */
export function newRunId(ownerPid = process.pid): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${ownerPid}`;
}

/** The owner pid encoded in a run id (see {@link newRunId}), or undefined when it has none. */
export function ownerPidOf(runId: string): number | undefined {
  const pid = Number(runId.split('-').at(-1));
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

let fallbackRunId: string | undefined;

/**
 * The current run id: set by globalSetup in `TEST_RUN_ID`; a spec run without globalSetup (an IDE runner)
 * gets one per process so it still writes under `.test-tmp/`.
 */
export function currentRunId(): string {
  if (process.env.TEST_RUN_ID) return process.env.TEST_RUN_ID;
  fallbackRunId ??= newRunId();
  return fallbackRunId;
}

/**
 * A fresh, empty directory `<repo>/.test-tmp/<run-id>/<name>-<random>`; globalTeardown removes the run
 * directory (unless `TEST_KEEP_TMP=1`).
 *
 * @example const dir = testTmpDir('redis'); // .test-tmp/20250101-120000-4242/redis-9f2c1a
 */
export function testTmpDir(name: string): string {
  const safe = name.replace(/[^a-zA-Z0-9_.-]/g, '_');
  const dir = join(testTmpRoot, currentRunId(), `${safe}-${randomBytes(3).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}
