import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { redisOptionsFromEnv } from '../../src/config/app.config.js';
import { KeyBuilder } from '../../src/platform/redis/key-builder.js';
import { RedisConnection } from '../../src/platform/redis/redis.connection.js';
import { describeEachTopology } from '../support/topologies.js';
import { waitUntil } from '../support/wait.js';

/** Retries a command until the client answers: the request path fails fast while reconnecting. */
async function eventually<T>(fn: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  let last: unknown;
  const value = await waitUntil(
    async () => {
      try {
        return { ok: await fn() };
      } catch (err) {
        last = err;
        return undefined;
      }
    },
    { timeoutMs, intervalMs: 100, message: () => `never answered: ${String(last)}` },
  );
  return value.ok;
}

describeEachTopology('RedisModule', (redis, topology) => {
  let connection: RedisConnection;
  let keys: KeyBuilder;

  beforeAll(async () => {
    const prefix = `t${randomBytes(4).toString('hex')}`;
    const options = redisOptionsFromEnv({ ...redis().env, REDIS_KEY_PREFIX: prefix, NODE_ENV: 'test' });
    expect(options.mode).toBe(topology);
    connection = new RedisConnection();
    await connection.init(options);
    keys = new KeyBuilder(prefix);
  });

  afterAll(async () => {
    await connection?.onApplicationShutdown();
  });

  it('connects and answers PING', async () => {
    expect(connection.isReady).toBe(true);
    expect(await connection.client.ping()).toBe('PONG');
  });

  it('runs a Lua script through EVALSHA on hash-tagged keys', async () => {
    const a = keys.tagged('counter', ['selftest'], 'a');
    const b = keys.tagged('counter', ['selftest'], 'b');
    const [va, vb, ms] = await connection.scripts.run<[string, string, number]>(
      'redis-ping-hash-tag',
      [a, b],
      ['v1', 10_000],
    );
    expect([va, vb]).toEqual(['v1', 'v1']);
    expect(Math.abs(ms - Date.now())).toBeLessThan(5_000);
    // A second call is served by the cached SHA: the script is in the server's cache.
    await connection.scripts.run('redis-ping-hash-tag', [a, b], ['v2', 10_000]);
    expect(await connection.client.get(a)).toBe('v2');
  });

  it('rejects a script call with the wrong number of keys before sending it', () => {
    expect(() => connection.scripts.run('redis-ping-hash-tag', ['only-one'], ['x', 1])).toThrow(
      /takes 2 keys/,
    );
  });

  it('reconnects after the server restarts', async () => {
    const key = keys.key('counter', 'restart');
    await connection.client.set(key, '1');
    await redis().restart();
    // The fail-fast client errors while the server is away, then recovers without help.
    expect(await eventually(() => connection.client.incr(key))).toBeGreaterThanOrEqual(1);
    await waitUntil(() => connection.isReady, { timeoutMs: 10_000, message: 'never ready again' });
  }, 60_000);

  if (topology === 'sentinel') {
    it('follows a Sentinel failover to the promoted replica', async () => {
      const key = keys.key('counter', 'failover');
      await eventually(() => connection.client.set(key, 'before'));
      const before = await redis().sentinel!.master();
      await redis().sentinel!.killMaster();
      const after = await redis().sentinel!.waitForFailover(30_000);
      expect(after.port).not.toBe(before.port);
      expect(await eventually(() => connection.client.set(key, 'after'), 30_000)).toBe('OK');
      const role = await eventually(() => (connection.client as import('ioredis').Redis).info('replication'));
      expect(role).toMatch(/role:master/);
    }, 90_000);
  }
});
