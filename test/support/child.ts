import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { isGroupAlive, registerProcess } from './process-registry.js';

/** How a child ended. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Options for {@link spawnTracked}. */
export interface SpawnTrackedOptions {
  /** For messages and the registry: `redis-sentinel`, `app`. */
  kind: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Own process group (`detached`): stop and kill reach the child's children too. */
  group?: boolean;
  /** Bytes of stdout + stderr kept for {@link TrackedChild.output} (default 256 KiB). */
  outputLimit?: number;
}

/** A spawned child recorded in the process registry until it exits. */
export interface TrackedChild {
  child: ChildProcess;
  pid: number;
  /** The last stdout + stderr bytes, interleaved as they arrived. */
  output(): string;
  /** Resolves when the child has exited, however it ended. */
  exited: Promise<ExitInfo>;
  readonly running: boolean;
  /** Sends `signal`, SIGKILL after `timeoutMs`, and resolves once the child has exited. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ExitInfo & { durationMs: number }>;
  /** SIGKILL (the whole group when `group`, stragglers of an exited child included). */
  kill(): Promise<ExitInfo>;
}

/**
 * Spawns `command` with piped output kept in a ring buffer, and registers it so that it is killed when the
 * test process exits or at globalTeardown, whatever happened to the spec.
 */
export async function spawnTracked(
  command: string,
  args: string[],
  opts: SpawnTrackedOptions,
): Promise<TrackedChild> {
  const limit = opts.outputLimit ?? 256 * 1024;
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env,
    detached: opts.group ?? false,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: Buffer[] = [];
  let size = 0;
  const keep = (chunk: Buffer): void => {
    chunks.push(chunk);
    size += chunk.length;
    while (size - chunks[0].length >= limit) size -= chunks.shift()!.length;
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  try {
    await once(child, 'spawn');
  } catch (err) {
    throw new Error(`cannot start ${command}: ${(err as Error).message}`, { cause: err });
  }
  const pid = child.pid!;
  const group = opts.group ?? false;
  const unregister = registerProcess({ pid, kind: opts.kind, group });
  const signalChild = (signal: NodeJS.Signals): void => {
    try {
      process.kill(group ? -pid : pid, signal);
    } catch {
      // already gone
    }
  };
  let running = true;
  const exited = new Promise<ExitInfo>((resolve) =>
    child.once('exit', (code, signal) => {
      running = false;
      // What the child left in its group (an embedded redis-server) stays registered, not killed here: a spec
      // can then see the leak; the exit hook or globalTeardown kills the group.
      if (!group || !isGroupAlive(pid)) unregister();
      resolve({ code, signal });
    }),
  );

  return {
    child,
    pid,
    exited,
    get running() {
      return running;
    },
    output: () => Buffer.concat(chunks).toString('utf8'),
    async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000) {
      const started = Date.now();
      if (running) {
        // The signal goes to the child only: a graceful shutdown is the child's job; the group gets SIGKILL.
        child.kill(signal);
        const timer = setTimeout(() => signalChild('SIGKILL'), timeoutMs);
        await exited;
        clearTimeout(timer);
      }
      return { ...(await exited), durationMs: Date.now() - started };
    },
    async kill() {
      // Never signal a bare pid after its exit (it may be recycled); a live group id cannot be.
      if (running || (group && isGroupAlive(pid))) signalChild('SIGKILL');
      const info = await exited;
      if (group) unregister(); // the group is gone too
      return info;
    },
  };
}
