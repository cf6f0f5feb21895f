import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { startApp, startApps } from '../support/app-process.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { startCluster, type ClusterHandle } from '../support/redis-cluster.js';
import { probeClient } from '../support/redis-node.js';
import { startSentinel, type SentinelHandle } from '../support/redis-sentinel.js';
import { startRedis } from '../support/redis-standalone.js';

// Proves the harness itself against the real binaries. TEST_HARNESS_TIMINGS=1 prints how long each takes.
const timings = process.env.TEST_HARNESS_TIMINGS === '1';
async function timed<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await fn();
  if (timings) console.log(`${what}: ${Date.now() - started} ms`);
  return result;
}

/** A raw connection that does not authenticate: connects, then each command shows what the server allows. */
function anonymous(port: number): Redis {
  return probeClient(port, { enableReadyCheck: false });
}

describe('standalone redis-server', () => {
  it('requires the password, and the URL carries it', async () => {
    const redis = await startRedis({ password: 'p@ss word/1' });
    const anon = anonymous(redis.port);
    const viaUrl = new Redis(redis.url);
    try {
      expect(await redis.client().ping()).toBe('PONG');
      expect(await viaUrl.ping()).toBe('PONG');
      await anon.connect();
      await expect(anon.ping()).rejects.toThrow(/NOAUTH/);
    } finally {
      anon.disconnect();
      viaUrl.disconnect();
      await redis.stop();
    }
  });

  it('serves an ACL user and switches the default user off', async () => {
    const redis = await startRedis({ aclUser: { username: 'app', password: 'acl-secret' } });
    const anon = anonymous(redis.port);
    const viaUrl = new Redis(redis.url);
    try {
      expect(await redis.client().call('ACL', 'WHOAMI')).toBe('app');
      expect(await viaUrl.call('ACL', 'WHOAMI')).toBe('app');
      await anon.connect();
      await expect(anon.ping()).rejects.toThrow(/NOAUTH/);
      await expect(anon.auth('default', '')).rejects.toThrow(/WRONGPASS/);
    } finally {
      anon.disconnect();
      viaUrl.disconnect();
      await redis.stop();
    }
  });

  it('speaks TLS only, verified against its CA', async () => {
    const redis = await startRedis({ tls: true });
    const plain = anonymous(redis.port);
    const unverified = probeClient(redis.port, { tls: {} });
    try {
      expect(redis.url).toMatch(/^rediss:\/\/127\.0\.0\.1:\d+$/);
      expect(redis.env.REDIS_TLS_CA).toBe(redis.caFile);
      expect(await redis.client().ping()).toBe('PONG');
      await expect(plain.connect().then(() => plain.ping())).rejects.toThrow();
      const tlsErrors: string[] = [];
      unverified.on('error', (err: Error) => tlsErrors.push(err.message));
      await expect(unverified.connect()).rejects.toThrow();
      expect(tlsErrors.join('\n')).toMatch(/self.signed|unable to verify|certificate/i);
    } finally {
      plain.disconnect();
      unverified.disconnect();
      await redis.stop();
    }
  });

  it('keeps acknowledged writes across a restart and a SIGKILL (AOF, fsync always)', async () => {
    const redis = await startRedis({ aof: true, appendFsync: 'always' });
    try {
      const client = redis.client();
      await client.set('harness:aof:1', 'before-restart');
      await redis.restart();
      expect(await client.get('harness:aof:1')).toBe('before-restart');
      await client.set('harness:aof:2', 'before-kill');
      await redis.kill();
      await redis.start();
      expect(await client.mget('harness:aof:1', 'harness:aof:2')).toEqual(['before-restart', 'before-kill']);
    } finally {
      await redis.stop();
    }
  });
});

describe('Redis Cluster', () => {
  let cluster: ClusterHandle;
  beforeAll(async () => {
    cluster = await timed('cluster start', startCluster);
  }, 60_000);
  afterAll(() => cluster?.stop(), 30_000);

  it('has 3 masters serving all 16384 slots', async () => {
    const client = cluster.client();
    const slots = (await client.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>;
    const covered = slots.reduce((sum, [from, to]) => sum + (to - from + 1), 0);
    expect(covered).toBe(16384);
    expect(new Set(slots.map(([, , master]) => master[1])).size).toBe(3);
    expect(cluster.env.REDIS_CLUSTER_NODES.split(',')).toHaveLength(6);
  });

  it('routes SET / GET across slots', async () => {
    const client = cluster.client();
    const keys = Array.from({ length: 60 }, (_, i) => `harness:cluster:${i}`);
    await Promise.all(keys.map((k) => client.set(k, `v-${k}`)));
    expect(await Promise.all(keys.map((k) => client.get(k)))).toEqual(keys.map((k) => `v-${k}`));
    const perMaster = await Promise.all(client.nodes('master').map((node) => node.dbsize()));
    expect(perMaster).toHaveLength(3);
    expect(perMaster.every((n) => n > 0)).toBe(true);
  });
});

describe('Redis Sentinel', () => {
  let sentinel: SentinelHandle;
  beforeAll(async () => {
    sentinel = await timed('sentinel start', startSentinel);
  }, 60_000);
  afterAll(() => sentinel?.stop(), 30_000);

  it('promotes the replica when the master dies, and a Sentinel-aware client follows', async () => {
    const client = sentinel.client();
    await client.set('harness:sentinel:before', '1');
    expect(await client.call('WAIT', 1, 2_000)).toBe(1); // replicated before the crash
    const old = await sentinel.master();

    await sentinel.killMaster();
    const promoted = await timed('failover', () => sentinel.waitForFailover());

    expect(promoted.port).not.toBe(old.port);
    expect(await client.set('harness:sentinel:after', '2')).toBe('OK');
    expect(await client.get('harness:sentinel:before')).toBe('1');
    expect(await client.call('CONFIG', 'GET', 'port')).toEqual(['port', String(promoted.port)]);
  });
});

describe('PostgreSQL (shared)', () => {
  it('creates a fresh database per call that takes a table', async () => {
    const [first, second] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    expect(first).not.toBe(second);
    const client = new pg.Client({ connectionString: first });
    await client.connect();
    try {
      await client.query('CREATE TABLE bookings (id serial PRIMARY KEY, label text NOT NULL)');
      await client.query('INSERT INTO bookings (label) VALUES ($1), ($2)', ['a', 'b']);
      const { rows } = await client.query('SELECT count(*)::int AS n FROM bookings');
      expect(rows[0].n).toBe(2);
    } finally {
      await client.end();
    }
  });
});

describe('app processes', () => {
  const entry = fileURLToPath(new URL('./fixtures/stub-app.mjs', import.meta.url));

  it('starts on a free port, passes only the given Redis env, and stops on SIGTERM', async () => {
    process.env.REDIS_URL = 'redis://must-not-leak:6379';
    const app = await startApp({ entry, env: { REDIS_URL: 'redis://given:1' } }).finally(
      () => delete process.env.REDIS_URL,
    );
    const res = await fetch(`${app.url}/health/live`, { headers: { connection: 'close' } });
    expect(await res.json()).toEqual({ redisUrl: 'redis://given:1', nodeEnv: 'test', logLevel: 'warn' });
    const exit = await app.stop();
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(app.output()).toContain('stub: shutting down');
  });

  it('starts N instances and kills them', async () => {
    const apps = await startApps(2, { entry, env: {} });
    expect(new Set(apps.map((a) => a.port)).size).toBe(2);
    const exits = await Promise.all(apps.map((a) => a.kill()));
    expect(exits.map((e) => e.signal)).toEqual(['SIGKILL', 'SIGKILL']);
  });

  it('reports the output when the app dies during start', async () => {
    await expect(startApp({ entry, env: { STUB_EXIT: '1' } })).rejects.toThrow(
      /code 3[\s\S]*exiting on purpose/,
    );
  });
});
