import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/** Options for a `redis-server` child process. */
export interface RedisServerProcessOptions {
  /** Loopback port; a free one is picked when omitted. */
  port?: number;
  /** Working directory for AOF / RDB files; created when missing. */
  dir: string;
  /** Append-only file on (default true): acknowledged writes survive a restart. */
  appendOnly?: boolean;
  /** `always` makes every acknowledged write durable before the reply. */
  appendFsync?: 'always' | 'everysec' | 'no';
  /** Extra `--name value` arguments (for example TLS or ACL settings). */
  extraArgs?: string[];
  /** Password for the readiness probe when the server requires one. */
  probePassword?: string;
  /** Username for the readiness probe (ACL). */
  probeUsername?: string;
  /** Probe over TLS instead of plain TCP (the server then listens with `--tls-port`). */
  probeTls?: { ca: Buffer; cert?: Buffer; key?: Buffer };
  /** Binary name or path (default `redis-server` from PATH). */
  binary?: string;
  /** How long to wait for the first PONG. */
  startTimeoutMs?: number;
}

/** Picks a free TCP port on 127.0.0.1 by binding port 0 and releasing it. */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A `redis-server` child process bound to loopback: started, probed until it answers PING, and stopped.
 * Used by the embedded default (RedisModule) and by the test harness.
 */
export class RedisServerProcess {
  private child?: ChildProcess;
  private exitedPromise?: Promise<void>;
  port = 0;

  constructor(private readonly options: RedisServerProcessOptions) {}

  /** The child's pid while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the server (on the same port as before when restarted) and resolves once it answers PING. */
  async start(): Promise<this> {
    const o = this.options;
    this.port ||= o.port ?? (await findFreePort());
    mkdirSync(o.dir, { recursive: true });
    const tls = Boolean(o.probeTls);
    const args = [
      '--bind',
      '127.0.0.1',
      '--port',
      tls ? '0' : String(this.port),
      ...(tls ? ['--tls-port', String(this.port)] : []),
      '--dir',
      o.dir,
      '--appendonly',
      o.appendOnly === false ? 'no' : 'yes',
      '--appendfsync',
      o.appendFsync ?? 'everysec',
      '--save',
      '',
      '--daemonize',
      'no',
      '--protected-mode',
      'yes',
      '--loglevel',
      'warning',
      ...(o.extraArgs ?? []),
    ];
    const child = spawn(o.binary ?? 'redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    // redis-server logs to stdout: keep the tail so a failed start says why ("Address already in use").
    let stderr = '';
    const keep = (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exitedPromise = new Promise((resolve) => child.once('exit', () => resolve()));
    let starting = true;
    const spawnError = new Promise<never>((_, reject) =>
      child.once('error', (err) =>
        reject(new Error(`cannot start ${o.binary ?? 'redis-server'}: ${err.message}`)),
      ),
    );
    const earlyExit = this.exitedPromise.then(() => {
      if (starting) throw new Error(`redis-server exited during start: ${stderr.trim()}`);
    });
    // Both only matter during start; later settlements must not surface as unhandled rejections.
    spawnError.catch(() => undefined);
    earlyExit.catch(() => undefined);
    try {
      await Promise.race([
        this.waitForPing(o.startTimeoutMs ?? 10_000, () => child.exitCode !== null),
        spawnError,
        earlyExit,
      ]);
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    } finally {
      starting = false;
    }
    return this;
  }

  private async waitForPing(timeoutMs: number, gone: () => boolean): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!gone()) {
      const probe = new Redis({
        host: '127.0.0.1',
        port: this.port,
        password: this.options.probePassword,
        username: this.options.probeUsername,
        tls: this.options.probeTls
          ? { ...this.options.probeTls, servername: 'localhost', rejectUnauthorized: true }
          : undefined,
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        enableOfflineQueue: false,
        connectTimeout: 500,
      });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        const loading = await probe.ping();
        if (loading === 'PONG') return;
      } catch (err) {
        if (Date.now() > deadline)
          throw new Error(`redis-server on port ${this.port} did not answer`, { cause: err });
      } finally {
        probe.disconnect();
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('redis-server exited during start');
  }

  /** Resolves when the process has exited (after `start()`). */
  get exited(): Promise<void> | undefined {
    return this.exitedPromise;
  }

  /** Stops the server with SIGTERM (it finishes its AOF write) and waits for the exit, SIGKILL after the timeout. */
  async stop(timeoutMs = 5_000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await this.exitedPromise;
    clearTimeout(timer);
  }

  /** Kills the server with SIGKILL: a crash, nothing flushed beyond what fsync already wrote. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await this.exitedPromise;
  }
}
