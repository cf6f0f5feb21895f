import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { describeEachTopology, type TopologyHandle } from '../support/topologies.js';
import { waitUntil } from '../support/wait.js';
import {
  randomPrefix,
  startCacheInstances,
  stopCacheInstances,
  type CacheInstance,
} from './cache-instances.js';

/** Every server of the deployment shuts down (SHUTDOWN persists the AOF: the data comes back with it). */
async function shutdownAll(handle: TopologyHandle): Promise<void> {
  const ports = handle.cluster ? handle.cluster.nodes.map((n) => n.port) : [handle.standalone!.port];
  await Promise.all(
    ports.map(async (port) => {
      const c = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      c.on('error', () => undefined);
      await c.connect();
      await c.call('SHUTDOWN').catch(() => undefined); // the connection drops: that is the answer
      c.disconnect();
    }),
  );
}

/**
 * A Redis outage with three instances: the cache keeps answering (L1, then the source), and a value
 * deleted while Redis is down is never served once Redis is back, although Redis still holds it.
 */
describeEachTopology(
  'CacheService through a Redis outage',
  (redis) => {
    let nodes: CacheInstance[];
    let prefix: string;
    const states = () => nodes.map((n) => n.engine.store.bus.state);

    beforeAll(async () => {
      prefix = randomPrefix();
      nodes = await startCacheInstances(redis().env, 3, { keyPrefix: prefix });
    }, 30_000);

    afterAll(async () => {
      await stopCacheInstances(nodes ?? []);
    });

    it('serves L1 and the source while Redis is down and never the deleted value once it is back', async () => {
      const [a, b, c] = nodes as [CacheInstance, CacheInstance, CacheInstance];
      let source = 'old';
      const load = () => ({ v: source });
      for (const n of [a, b]) {
        await n.cache.getOrSet('car:1', load);
        await n.cache.getOrSet('list:1', load, { tags: ['cars'] });
      }
      const expired = { ttl: 0, grace: '60s' } as const; // past its TTL at once, servable within grace
      await c.cache.getOrSet('graced:1', () => ({ v: 'graced' }), expired);

      await shutdownAll(redis());
      await waitUntil(() => states().every((s) => s === 'down'), { message: `bus states ${states()}` });

      // Down: L1 hits, then the source; never an error.
      expect(await b.cache.fetch('car:1', load)).toMatchObject({ status: 'HIT', value: { v: 'old' } });
      expect(await c.cache.fetch('other:1', () => ({ n: 1 }))).toMatchObject({
        status: 'BYPASS',
        value: { n: 1 },
      });
      expect(await c.cache.fetch('graced:1', () => ({ v: 'refreshed' }), expired)).toMatchObject({
        status: 'STALE',
        value: { v: 'graced' },
      });
      source = 'new';
      await a.cache.delete('car:1'); // cannot reach Redis, does not throw
      await a.cache.invalidateTags(['cars']);
      expect((await a.cache.fetch('car:1', load)).value.v).toBe('new');
      expect((await a.cache.fetch('list:1', load, { tags: ['cars'] })).value.v).toBe('new');
      // B cannot hear about it before Redis is back: serving its L1 meanwhile is the outage policy.
      expect((await b.cache.fetch('car:1', load)).value.v).toBe('old');

      await redis().restart();
      await waitUntil(() => states().every((s) => s === 'up'), {
        message: `bus states ${states()}`,
        timeoutMs: 15_000,
      });

      // Redis came back with the old entry (AOF): only the epoch makes it dead.
      const probe = redis().client();
      const raw = await probe.get(`${prefix}:cache:{default:car:1}`);
      expect(raw).toContain('"old"');
      for (let i = 0; i < 30; i++) {
        const n = nodes[i % 3]!;
        expect((await n.cache.fetch('car:1', load, { l1: i % 2 === 0 })).value.v).toBe('new');
        expect((await n.cache.fetch('list:1', load, { tags: ['cars'] })).value.v).toBe('new');
      }
      const resyncs = nodes.map((n) => n.engine.snapshot().totals.resyncs);
      expect(resyncs.every((r) => r >= 1)).toBe(true);
    }, 45_000);
  },
  ['standalone', 'cluster'],
);
