import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis';
import { Cluster, Redis } from 'ioredis';
import { describeEachTopology, type TopologyHandle } from '../support/topologies.js';
import { waitUntil } from '../support/wait.js';
import { randomPrefix } from './cache-instances.js';

/**
 * Why CacheModule does not use bentocache's own L2, bus and tags (a dev dependency, for this spec only):
 * each limit below is measured on real Redis. If one of these tests fails, bentocache has fixed the
 * limit and the corresponding part of CacheModule can be reconsidered.
 */

type Bento = BentoCache<{ c: ReturnType<typeof bentostore> }>;

/** A bentocache instance as a separate app would run it: its own connections, L1, L2 and bus. */
async function bento(
  handle: TopologyHandle,
  prefix: string,
): Promise<{ cache: Bento; close: () => Promise<void> }> {
  const env = handle.env;
  const url = env.REDIS_URL ? new URL(env.REDIS_URL) : undefined;
  const node = url ? { host: url.hostname, port: Number(url.port) } : undefined;
  // L2 fails fast like the app's request path; the bus gets its own connections with an offline queue
  // (a subscribe on a fail-fast connection throws before it is ready).
  const connection = env.REDIS_CLUSTER_NODES
    ? new Cluster(
        env.REDIS_CLUSTER_NODES.split(',').map((a) => ({
          host: a.split(':')[0]!,
          port: Number(a.split(':')[1]),
        })),
      )
    : new Redis({ ...node, maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true });
  connection.on('error', () => undefined);
  if (connection instanceof Redis) await connection.connect();
  const bus = connection instanceof Cluster ? connection : { ...node!, maxRetriesPerRequest: 1 };
  const store = bentostore()
    .useL1Layer(memoryDriver({ maxItems: 100 }))
    .useL2Layer(redisDriver({ connection }))
    .useBus(redisBusDriver({ connection: bus }));
  const cache = new BentoCache({ default: 'c', prefix, stores: { c: store } }) as Bento;
  return {
    cache,
    close: async () => {
      await cache.disconnect().catch(() => undefined);
      connection.disconnect();
    },
  };
}

/** Waits until `n` bus subscribers listen (bentocache gives no "subscribed" signal). */
async function subscribed(handle: TopologyHandle, n: number): Promise<void> {
  const probe = handle.client() as Redis;
  await waitUntil(async () => {
    const [, count] = (await probe.call('PUBSUB', 'NUMSUB', 'bentocache.notifications:c')) as [
      string,
      number,
    ];
    return count >= n;
  });
}

async function shutdown(port: number): Promise<void> {
  const c = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => undefined);
  await c.connect();
  await c.call('SHUTDOWN').catch(() => undefined);
  c.disconnect();
}

describeEachTopology(
  'bentocache 1.6 limits',
  (redis) => {
    const opened: { close: () => Promise<void> }[] = [];
    let subscribers = 0;
    const open = async (prefix: string) => {
      const b = await bento(redis(), prefix);
      opened.push(b);
      await b.cache.get({ key: 'warm-up' }); // creates the store, hence its bus
      await subscribed(redis(), ++subscribers);
      return b.cache;
    };
    afterAll(async () => {
      await Promise.all(opened.map((b) => b.close()));
    });

    it('returns from a delete before other instances dropped their L1 copy (no acknowledgement)', async () => {
      const prefix = randomPrefix();
      const [a, b] = [await open(prefix), await open(prefix)];
      let stale = 0;
      for (let i = 1; i <= 50; i++) {
        await b.getOrSet({ key: 'k', factory: () => i - 1 });
        await a.delete({ key: 'k' });
        if ((await b.getOrSet({ key: 'k', factory: () => i })) !== i) stale++;
      }
      console.log(`[bentocache] ${stale}/50 reads stale right after another instance's delete`);
      expect(stale).toBeGreaterThan(0);
    });

    it('has no cross-instance single flight: each instance runs the factory', async () => {
      const prefix = randomPrefix();
      const instances = [await open(prefix), await open(prefix), await open(prefix)];
      let calls = 0;
      const factory = async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 50));
        return 1;
      };
      await Promise.all(
        Array.from({ length: 60 }, (_, i) => instances[i % 3]!.getOrSet({ key: 'herd', factory })),
      );
      expect(calls).toBe(3);
    });

    it('serves a value deleted during an outage once Redis is back (the delete never reached L2)', async () => {
      const prefix = randomPrefix();
      const [a, b] = [await open(prefix), await open(prefix)];
      await a.getOrSet({ key: 'k', factory: () => 'old' });
      await shutdown(redis().standalone!.port);
      await a.delete({ key: 'k' }); // logged by bentocache, not thrown
      await redis().restart();
      const probe = redis().client();
      await waitUntil(async () => (await probe.ping()) === 'PONG');
      // Any instance without the key in L1 (a new one, or b) reads the deleted value from Redis.
      await waitUntil(async () => (await b.get({ key: 'k' }).catch(() => undefined)) !== undefined, {
        timeoutMs: 5000,
      });
      expect(await b.get({ key: 'k' })).toBe('old');
    }, 30_000);
  },
  ['standalone'],
);

describeEachTopology(
  'bentocache 1.6 limits on Cluster',
  (redis) => {
    let probe: Cluster;
    beforeAll(() => {
      probe = redis().client() as Cluster;
    });

    const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
    const exist = async (prefix: string) =>
      (await Promise.all(keys.map((k) => probe.exists(`${prefix}:${k}`)))).reduce((n, e) => n + e, 0);

    it('deleteMany across slots fails (logged only, it returns true) and leaves the keys in Redis', async () => {
      const prefix = randomPrefix();
      const cache = new BentoCache({
        default: 'c',
        prefix,
        stores: {
          c: bentostore()
            .useL1Layer(memoryDriver({}))
            .useL2Layer(redisDriver({ connection: probe })),
        },
      });
      for (const key of keys) await cache.set({ key, value: key });
      expect(await exist(prefix)).toBe(keys.length);
      expect(await cache.deleteMany({ keys })).toBe(true);
      expect(await exist(prefix)).toBe(keys.length);
    });

    it('clear() scans one node with a wrong pattern and leaves every key', async () => {
      const prefix = randomPrefix();
      const cache = new BentoCache({
        default: 'c',
        prefix,
        stores: { c: bentostore().useL2Layer(redisDriver({ connection: probe })) },
      });
      for (const key of keys) await cache.set({ key, value: key });
      await cache.clear().catch(() => undefined);
      expect(await exist(prefix)).toBe(keys.length);
    });
  },
  ['cluster'],
);
