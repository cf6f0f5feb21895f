import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import {
  RedisServerProcess,
  type RedisServerProcessOptions,
} from '../../src/platform/redis/redis-server.process.js';
import { freePort } from './ports.js';
import { registerProcess } from './process-registry.js';

/** Options for {@link startRedisNode}: those of RedisServerProcess (a free port is picked when omitted). */
export type RedisNodeOptions = RedisServerProcessOptions;

/**
 * A `redis-server` child (via RedisServerProcess) that is recorded in the process registry while it runs,
 * and killed when its start fails (RedisServerProcess leaves a child that never answered PING running).
 */
export class RedisNode {
  private unregister?: () => void;

  constructor(readonly server: RedisServerProcess) {}

  get port(): number {
    return this.server.port;
  }

  get pid(): number | undefined {
    return this.server.pid;
  }

  /** Whether the child is running (started and not stopped or killed). */
  get running(): boolean {
    return this.unregister !== undefined;
  }

  /** Starts the server (same port and data directory as before). */
  async start(): Promise<void> {
    if (this.running) return;
    const starting = this.server.start();
    // RedisServerProcess spawns synchronously when the port is known: register before the first await so a
    // crash during the start still leaves a pid file behind for globalTeardown.
    this.track();
    try {
      await starting;
    } catch (err) {
      await this.server.kill();
      this.untrack();
      throw err;
    }
    this.track();
  }

  /** SIGTERM, waits for the exit (AOF flushed). */
  async stop(): Promise<void> {
    await this.server.stop();
    this.untrack();
  }

  /** SIGKILL, a crash. */
  async kill(): Promise<void> {
    await this.server.kill();
    this.untrack();
  }

  /** A short-lived, fail-fast connection for probing server state; close it after use. */
  probe(options: RedisOptions = {}): Redis {
    return probeClient(this.port, options);
  }

  private track(): void {
    if (this.unregister || !this.server.pid) return;
    this.unregister = registerProcess({ pid: this.server.pid, kind: 'redis-server' });
  }

  private untrack(): void {
    this.unregister?.();
    this.unregister = undefined;
  }
}

/**
 * Starts a loopback `redis-server`. When the port was picked here and is taken by the time the server
 * binds (a parallel jest worker), it retries on a new port.
 *
 * @example const node = await startRedisNode({ dir: testTmpDir('redis'), appendOnly: false });
 */
export async function startRedisNode(options: RedisNodeOptions): Promise<RedisNode> {
  // redis-server logs to stdout, which RedisServerProcess discards: a log file keeps the reason of a failed
  // start (and the server's history) for the error message.
  const logFile = join(options.dir, 'redis.log');
  const extraArgs = ['--logfile', logFile, '--loglevel', 'notice', ...(options.extraArgs ?? [])];
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    const node = new RedisNode(new RedisServerProcess({ ...options, port, extraArgs }));
    try {
      await node.start();
      return node;
    } catch (err) {
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-1_500) : '';
      if (options.port === undefined && /address already in use/i.test(log) && attempt < 3) continue;
      throw new Error(`${(err as Error).message}\n--- ${logFile} ---\n${log}`, { cause: err });
    }
  }
}

/** Parses an INFO section (`key:value` lines) into a record. */
export function parseInfo(info: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of info.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) fields[line.slice(0, i)] = line.slice(i + 1);
  }
  return fields;
}

/** A short-lived, fail-fast connection to a loopback server (node or sentinel); close it after use. */
export function probeClient(port: number, options: RedisOptions = {}): Redis {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    protocol: 2, // flat replies for INFO / SENTINEL / CLUSTER parsing
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1_000,
    ...options,
  });
  client.on('error', () => undefined);
  return client;
}

/** Runs `fn` with a probe connection to the server on `port` and closes it. */
export async function withProbe<T>(
  port: number,
  fn: (client: Redis) => Promise<T>,
  options?: RedisOptions,
): Promise<T> {
  const client = probeClient(port, options);
  try {
    await client.connect();
    return await fn(client);
  } finally {
    client.disconnect();
  }
}
