// The request-path client never resends a command whose caller already gave up: a SET that timed out
// while Redis was stalled must not run on the connection that replaces the stalled one. With ioredis'
// default (`autoResendUnfulfilledCommands: true`) it does, and a lock acquire or an idempotency claim
// whose caller already answered 503 would hold its key for a whole TTL.
import { afterAll, beforeAll, expect, it, describe } from '@jest/globals';
import { RedisConnectionFactory } from '../../src/platform/redis/redis.connection-factory.js';
import type { RedisClient } from '../../src/platform/redis/redis.types.js';
import { startRedis, type RedisHandle } from '../support/redis-standalone.js';
import { waitUntil } from '../support/wait.js';

describe('request-path client: no resend after a reconnect', () => {
  let redis: RedisHandle;
  let client: RedisClient;

  beforeAll(async () => {
    // No persistence: the replacement server starts empty, so any key on it was written after the restart.
    redis = await startRedis({ aof: false });
    const factory = new RedisConnectionFactory({
      mode: 'standalone',
      url: redis.url,
      keyPrefix: 'noresend',
      commandTimeoutMs: 200,
    });
    client = factory.create('request');
    client.on('error', () => undefined); // the stall and the restart are the point
    await waitUntil(() => client.status === 'ready', { timeoutMs: 5_000 });
  });

  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  it('a SET that timed out during a SIGSTOP stall does not run after the reconnect', async () => {
    const pid = Number(/^process_id:(\d+)/m.exec(await client.info('server'))?.[1]);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGSTOP');
    try {
      // The caller gives up: to it, this write failed (503 upstream).
      await expect(client.set('claim', 'late')).rejects.toThrow(/timed out/i);
    } finally {
      // The stall ends with the connection replaced (a crash, a failover): the stalled server dies with
      // the bytes it never read, and an empty one takes its port.
      await redis.kill();
    }
    await waitUntil(() => client.status !== 'ready', {
      timeoutMs: 5_000,
      message: 'never noticed the crash',
    });
    await redis.start();
    await waitUntil(() => client.status === 'ready', { timeoutMs: 10_000, message: 'never reconnected' });
    // A command sent after the reconnect is answered after any resent one: when it answers, a resend
    // would already have run.
    expect(await client.ping()).toBe('PONG');
    expect(await client.get('claim')).toBeNull();
  }, 30_000);
});
