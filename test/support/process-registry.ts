import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import { currentRunId, testTmpRoot } from './tmp.js';
import { waitUntil } from './wait.js';

/** Where every spawned child leaves a pid file while it runs. */
export const pidsDir = join(testTmpRoot, 'pids');

/** A child process the harness must not leave behind. */
export interface TrackedProcess {
  pid: number;
  /** For messages: `redis-server`, `redis-sentinel`, `postgres`, `app`. */
  kind: string;
  /** The child leads its own process group (spawned `detached`): kill the whole group. */
  group?: boolean;
  /** The signal for a clean-up kill (default SIGKILL; PostgreSQL's postmaster wants SIGQUIT). */
  signal?: NodeJS.Signals;
}

interface Entry extends TrackedProcess {
  runId: string;
  ownerPid: number;
  /** /proc start time, so a recycled pid is never killed by mistake. */
  startTime?: string;
}

// Jest gives each spec a copy of `process` whose events never fire; the worker's real process object lives in
// the main vm context, so the exit hook is installed there, once per OS process, shared by every spec file.
const host: NodeJS.Process = (() => {
  try {
    const real = vm.runInThisContext('globalThis.process') as NodeJS.Process | undefined;
    if (real && typeof real.on === 'function') return real;
  } catch {
    // not reachable: fall back to the sandbox's process
  }
  return process;
})();
const stateKey = Symbol.for('nest-redis-platform.test.children');
type State = { children: Map<number, Entry & { file: string }>; hooked: boolean };
const state: State = ((host as unknown as Record<symbol, State>)[stateKey] ??= {
  children: new Map(),
  hooked: false,
});

function procStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
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

/** Whether the process group `pgid` still has a member. */
export function isGroupAlive(pgid: number): boolean {
  return isAlive(-pgid);
}

/**
 * Still ours: the process is alive and not a recycled pid (same start time), or, for a group, a member
 * of its group is still alive (Linux never hands out a pid that is still in use as a process group id).
 */
function isSame(entry: Entry): boolean {
  if (isAlive(entry.pid))
    return entry.startTime === undefined || procStartTime(entry.pid) === entry.startTime;
  return entry.group === true && isGroupAlive(entry.pid);
}

function signalEntry(entry: Entry, signal: NodeJS.Signals): void {
  if (!isSame(entry)) return;
  try {
    process.kill(entry.group ? -entry.pid : entry.pid, signal);
  } catch {
    // already gone
  }
}

function killChildrenNow(): void {
  for (const entry of state.children.values()) {
    signalEntry(entry, entry.signal === 'SIGQUIT' ? 'SIGQUIT' : 'SIGKILL');
    rmSync(entry.file, { force: true });
  }
  state.children.clear();
}

function installHooks(): void {
  if (state.hooked) return;
  state.hooked = true;
  host.on('exit', killChildrenNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    host.once(signal, () => {
      killChildrenNow();
      // Keep the default behaviour (die by the signal) unless someone else handles it.
      if (host.listenerCount(signal) === 0) host.kill(host.pid, signal);
    });
  }
}

/**
 * Records a running child in `.test-tmp/pids/` and in this process's exit hook. Call the returned function
 * once the child has been stopped cleanly.
 *
 * @example const unregister = registerProcess({ pid: child.pid!, kind: 'redis-sentinel' });
 */
export function registerProcess(info: TrackedProcess): () => void {
  mkdirSync(pidsDir, { recursive: true });
  const runId = currentRunId();
  const ownerPid = Number(process.env.TEST_RUN_OWNER_PID) || process.pid;
  const entry: Entry = { ...info, runId, ownerPid, startTime: procStartTime(info.pid) };
  const file = join(pidsDir, `${runId}.${info.pid}.json`);
  // Written aside and renamed: a reaper of a concurrent run never reads half a file.
  writeFileSync(`${file}.tmp`, JSON.stringify(entry));
  renameSync(`${file}.tmp`, file);
  state.children.set(info.pid, { ...entry, file });
  installHooks();
  return () => {
    state.children.delete(info.pid);
    rmSync(file, { force: true });
  };
}

function readEntries(): Array<Entry & { file: string }> {
  let names: string[];
  try {
    names = readdirSync(pidsDir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const entries: Array<Entry & { file: string }> = [];
  for (const name of names) {
    const file = join(pidsDir, name);
    try {
      entries.push({ ...(JSON.parse(readFileSync(file, 'utf8')) as Entry), file });
    } catch {
      rmSync(file, { force: true }); // corrupt (a full disk?): nothing to act on
    }
  }
  return entries;
}

/**
 * Kills every registered process of `runId` and of runs whose owning jest process is gone; returns what
 * was still running. The entry's signal first, SIGKILL after 3 s.
 */
export async function reapProcesses(runId?: string): Promise<TrackedProcess[]> {
  const victims = readEntries().filter((e) => e.runId === runId || !isAlive(e.ownerPid));
  const running = victims.filter(isSame);
  for (const entry of running) signalEntry(entry, entry.signal ?? 'SIGKILL');
  await waitUntil(() => !running.some(isSame), {
    message: 'leftover processes did not exit',
    timeoutMs: 3_000,
  }).catch(() => running.forEach((e) => signalEntry(e, 'SIGKILL')));
  for (const entry of victims) rmSync(entry.file, { force: true });
  return running.map(({ pid, kind, group, signal }) => ({ pid, kind, group, signal }));
}
