import { Redis, type RedisOptions } from 'ioredis';
import { startRedisNode } from './redis-node.js';
import { testTmpDir } from './tmp.js';
import { createTestCertificates } from './tls-certs.js';

/** Options for {@link startRedis}. */
export interface StartRedisOptions {
  /** `requirepass`: the default user needs this password. */
  password?: string;
  /** An ACL user with every permission; the default user is switched off unless `password` is set too. */
  aclUser?: { username: string; password: string };
  /** TLS only (`--port 0`): a throwaway CA and a server certificate for 127.0.0.1 / localhost. */
  tls?: boolean;
  /** Append-only file (default true, so `restart()` keeps the data). */
  aof?: boolean;
  appendFsync?: 'always' | 'everysec';
  /** A fixed port instead of a free one. */
  port?: number;
}

/** A running standalone `redis-server` on 127.0.0.1. */
export interface RedisHandle {
  port: number;
  /** `redis://` or `rediss://`, with the credentials. */
  url: string;
  /** The CA certificate file when TLS is on. */
  caFile?: string;
  /** Environment for an app process: `REDIS_URL` (+ `REDIS_TLS_CA`). */
  env: Record<string, string>;
  /** Connection options of {@link client}, for building other clients (BullMQ, a fail-fast client). */
  options: RedisOptions;
  /** A new test client (connecting); `stop()` closes it. */
  client(): Redis;
  /** SIGTERM and start again: same port, same data directory. */
  restart(): Promise<void>;
  /** SIGKILL: a crash; `start()` brings it back on the same port. */
  kill(): Promise<void>;
  start(): Promise<void>;
  /** Closes the test clients and stops the server (SIGTERM). */
  stop(): Promise<void>;
}

function credentials(o: StartRedisOptions): string {
  const enc = encodeURIComponent;
  if (o.aclUser) return `${enc(o.aclUser.username)}:${enc(o.aclUser.password)}@`;
  return o.password ? `:${enc(o.password)}@` : '';
}

/**
 * Starts a standalone `redis-server` on a free loopback port.
 *
 * @example
 * const redis = await startRedis({ aclUser: { username: 'app', password: 's3cret' }, tls: true });
 * const app = await startApp({ env: redis.env });
 */
export async function startRedis(opts: StartRedisOptions = {}): Promise<RedisHandle> {
  const dir = testTmpDir('redis');
  const certs = opts.tls ? await createTestCertificates(dir) : undefined;
  const extraArgs: string[] = [];
  if (certs) {
    extraArgs.push('--tls-cert-file', certs.certFile, '--tls-key-file', certs.keyFile);
    extraArgs.push('--tls-ca-cert-file', certs.caFile, '--tls-auth-clients', 'no');
  }
  if (opts.password) extraArgs.push('--requirepass', opts.password);
  if (opts.aclUser) {
    const { username, password } = opts.aclUser;
    extraArgs.push('--user', username, 'on', `>${password}`, '~*', '&*', '+@all');
    // Without this the default user stays `nopass`, and a client without credentials would still get in.
    if (!opts.password) extraArgs.push('--user', 'default', 'off');
  }
  const username = opts.aclUser?.username;
  const password = opts.aclUser?.password ?? opts.password;
  const node = await startRedisNode({
    port: opts.port,
    dir,
    appendOnly: opts.aof ?? true,
    appendFsync: opts.appendFsync,
    extraArgs,
    probeUsername: username,
    probePassword: password,
    probeTls: certs ? { ca: certs.ca } : undefined,
  });

  const options: RedisOptions = {
    host: '127.0.0.1',
    port: node.port,
    username,
    password,
    tls: certs ? { ca: certs.ca } : undefined,
    retryStrategy: (times) => Math.min(times * 50, 500),
  };
  const clients = new Set<Redis>();
  const url = `${certs ? 'rediss' : 'redis'}://${credentials(opts)}127.0.0.1:${node.port}`;
  return {
    port: node.port,
    url,
    caFile: certs?.caFile,
    env: { REDIS_URL: url, ...(certs ? { REDIS_TLS_CA: certs.caFile } : {}) },
    options,
    client() {
      const client = new Redis(options);
      client.on('error', () => undefined); // restarts and kills are expected; commands still reject
      clients.add(client);
      client.once('end', () => clients.delete(client));
      return client;
    },
    async restart() {
      await node.stop();
      await node.start();
    },
    kill: () => node.kill(),
    start: () => node.start(),
    async stop() {
      for (const client of clients) client.disconnect();
      clients.clear();
      await node.stop();
    },
  };
}
