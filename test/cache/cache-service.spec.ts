import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Cluster, Redis } from 'ioredis';
import { describeEachTopology } from '../support/topologies.js';
import { waitUntil } from '../support/wait.js';
import {
  commandCount,
  commandsByName,
  randomPrefix,
  startCacheInstances,
  stopCacheInstances,
  type CacheInstance,
} from './cache-instances.js';

/**
 * CacheService semantics across three instances (three Nest apps in this process, each with its own
 * connections, bus and L1) on real Redis, standalone and Cluster.
 */
describeEachTopology(
  'CacheService across instances',
  (redis, topology) => {
    let nodes: CacheInstance[];
    let probe: Redis | Cluster;
    let prefix: string;
    const at = (i: number) => nodes[i % nodes.length]!;

    beforeAll(async () => {
      prefix = randomPrefix();
      nodes = await startCacheInstances(redis().env, 3, { keyPrefix: prefix, waitTimeout: '400ms' });
      probe = redis().client();
    }, 30_000);

    afterAll(async () => {
      await stopCacheInstances(nodes ?? []);
    });

    it('an L1 hit costs no Redis command, an L2 hit one GET', async () => {
      await at(0).cache.getOrSet('rt:1', () => ({ n: 1 }));
      let before = await commandCount(probe);
      expect(await at(0).cache.fetch('rt:1', () => ({ n: 0 }))).toMatchObject({ status: 'HIT', tier: 'l1' });
      expect((await commandCount(probe)) - before).toBe(0);

      before = await commandCount(probe);
      const l2 = await at(1).cache.fetch('rt:1', () => ({ n: 0 }), { l1: false });
      expect(l2).toEqual({ value: { n: 1 }, status: 'HIT', tier: 'l2' });
      expect((await commandCount(probe)) - before).toBe(1);
    });

    it('a delete or tag invalidation on one instance is seen by the next read anywhere, 200 times out of 200', async () => {
      let source = 0;
      const load = () => ({ v: source });
      let stale = 0;
      for (let i = 1; i <= 200; i++) {
        const reader = at(i);
        const writer = at(i + 1);
        await reader.cache.getOrSet('fresh:1', load, { tags: ['fresh'] }); // the reader holds a copy in L1
        source = i;
        if (i % 2) await writer.cache.delete('fresh:1');
        else await writer.cache.invalidateTags(['fresh']);
        if ((await reader.cache.getOrSet('fresh:1', load, { tags: ['fresh'] })).v !== i) stale++;
      }
      expect(stale).toBe(0);
      const acks = nodes.map((n) => n.engine.snapshot().invalidationAckMs);
      const deliveries = nodes.map((n) => n.engine.snapshot().invalidationDeliveryMs);
      console.log(
        `[cache ${topology}] invalidation delivered (one way) / acknowledged by all, ms per instance:`,
        JSON.stringify(deliveries),
        JSON.stringify(acks),
      );
    });

    it('100 concurrent misses for one key on 3 instances call the loader once', async () => {
      let calls = 0;
      const loader = async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 50)); // a slow source
        return { n: 42 };
      };
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) => at(i).cache.fetch('herd:1', loader)),
      );
      expect(calls).toBe(1);
      expect(results.every((r) => r.value.n === 42)).toBe(true);
      expect(results.filter((r) => r.status === 'MISS')).toHaveLength(1);
    });

    it('waiters load themselves once the wait times out (the lock holder died)', async () => {
      // A lock left by a crashed instance: nobody will fill this key before the lock expires.
      await probe.set(`${prefix}:cache:{default:orphan:1}:lock`, 'ghost', 'PX', 10_000);
      let calls = 0;
      const started = Date.now();
      const result = await at(0).cache.fetch('orphan:1', () => ({ n: ++calls }));
      expect(result).toMatchObject({ value: { n: 1 }, status: 'MISS' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(390);
      expect(Date.now() - started).toBeLessThan(3000);
    });

    it('serves stale within grace, refreshes in the background, and serves stale when the loader fails', async () => {
      let version = 1;
      let failing = false;
      const loader = async () => {
        if (failing) throw new Error('source down');
        return { v: version };
      };
      const opts = { ttl: 0, grace: '30s' } as const; // expired as soon as written: every read is in grace
      expect(await at(0).cache.fetch('grace:1', loader, opts)).toMatchObject({
        value: { v: 1 },
        status: 'MISS',
      });
      version = 2;
      expect(await at(0).cache.fetch('grace:1', loader, opts)).toMatchObject({
        value: { v: 1 },
        status: 'STALE',
      });
      // The background refresh lands; other instances see it from L2.
      await waitUntil(async () => (await at(1).cache.fetch('grace:1', loader, opts)).value.v === 2);
      failing = true;
      const loadErrors = () => at(2).engine.snapshot().namespaces.default?.loadErrors ?? 0;
      const before = loadErrors();
      const served: { value: { v: number }; status: string }[] = [];
      // Each read serves the stale value and (when no refresh runs here) starts one, which fails.
      await waitUntil(async () => {
        served.push(await at(2).cache.fetch('grace:1', loader, opts));
        return loadErrors() > before;
      });
      served.push(await at(2).cache.fetch('grace:1', loader, opts));
      expect(served.every((r) => r.value.v === 2 && r.status === 'STALE')).toBe(true);
    }, 30_000);

    it('invalidates a tag over 300 entries with one INCR and one publish, never KEYS or SCAN', async () => {
      for (let i = 0; i < 300; i++)
        await at(i).cache.getOrSet(['tagged', i], () => ({ i }), { tags: ['group:x'] });
      await at(0).cache.getOrSet('other:1', () => ({ other: true }), { tags: ['group:y'] });
      const before = await commandsByName(probe);
      await at(1).cache.invalidateTags(['group:x']);
      const after = await commandsByName(probe);
      const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
      expect(delta('incr')).toBe(1);
      expect(delta(topology === 'cluster' ? 'spublish' : 'publish')).toBe(1 + 2); // the message and 2 acks
      expect(delta('keys') + delta('scan') + delta('del') + delta('unlink')).toBe(0);
      for (let i = 0; i < 300; i += 37) {
        expect(
          await at(i + 1).cache.fetch(['tagged', i], () => ({ i, again: true }), { tags: ['group:x'] }),
        ).toMatchObject({
          status: 'MISS',
          value: { again: true },
        });
      }
      expect((await at(0).cache.fetch('other:1', () => ({})))?.status).toBe('HIT');
    });

    it('a fill that started before a delete cannot write its older value back', async () => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let loading!: () => void;
      const started = new Promise<void>((r) => (loading = r));
      const slow = at(0).cache.fetch('race:1', async () => {
        loading();
        await gate;
        return { v: 'old' };
      });
      await started;
      await at(1).cache.delete('race:1'); // the source changed meanwhile
      release();
      expect((await slow).value).toEqual({ v: 'old' }); // concurrent with the write: either answer is fair
      for (const i of [0, 1, 2]) {
        expect((await at(i).cache.fetch('race:1', () => ({ v: 'new' }))).value).toEqual({ v: 'new' });
      }
    });

    it('parses a poisoned entry without polluting prototypes', async () => {
      const epoch = at(0).engine.store.bus.epoch;
      const far = Date.now() + 60_000;
      const key = `${prefix}:cache:{default:poison:1}`;
      await probe.set(
        key,
        `E|0|${epoch}|${far}|${far}||\n{"a":1,"__proto__":{"polluted":true},"b":{"constructor":{"prototype":{"polluted":true}}}}`,
      );
      const value = await at(1).cache.get<Record<string, unknown>>('poison:1');
      expect(value).toEqual({ a: 1, b: {} });
      Object.assign({}, value, value?.b);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      // Garbage under the key is a miss, never an error.
      await probe.set(`${prefix}:cache:{default:poison:2}`, 'garbage');
      expect(await at(2).cache.fetch('poison:2', () => ({ ok: true }))).toMatchObject({
        status: 'MISS',
        value: { ok: true },
      });
    });

    it('compresses large values in Redis and reads them back on another instance', async () => {
      const big = { text: 'lorem ipsum dolor sit amet '.repeat(4000) }; // ~108 KB of JSON
      await at(0).cache.set('big:1', big);
      const raw = await probe.getBuffer(`${prefix}:cache:{default:big:1}`);
      expect(raw!.length).toBeLessThan(JSON.stringify(big).length / 10);
      expect(raw!.toString('latin1', 0, raw!.indexOf(0x0a))).toMatch(/^E\|\d+\|\d+\|\d+\|\d+\|z\|/);
      expect(await at(1).cache.get('big:1')).toEqual(big);
    });

    describe('with the protections switched off (proof that the tests above can fail)', () => {
      let loose: CacheInstance[];
      beforeAll(async () => {
        // No acknowledgements, and no waiting for another instance's loader.
        loose = await startCacheInstances(redis().env, 3, { ackTimeout: 0, waitTimeout: 0 });
      }, 30_000);
      afterAll(async () => {
        await stopCacheInstances(loose ?? []);
      });

      it('without acknowledgements, reads right after a write on another instance can be stale', async () => {
        let source = 0;
        const load = () => ({ v: source });
        let stale = 0;
        for (let i = 1; i <= 200; i++) {
          await loose[i % 3]!.cache.getOrSet('fresh:1', load);
          source = i;
          await loose[(i + 1) % 3]!.cache.delete('fresh:1');
          if ((await loose[i % 3]!.cache.getOrSet('fresh:1', load)).v !== i) stale++;
        }
        console.log(`[cache ${topology}] without acks: ${stale}/200 stale reads`);
        expect(stale).toBeGreaterThan(0);
      });

      it('without waiting for the lock holder, each instance calls the loader', async () => {
        let calls = 0;
        const loader = async () => {
          calls++;
          await new Promise((r) => setTimeout(r, 50));
          return { n: 1 };
        };
        await Promise.all(
          Array.from({ length: 100 }, (_, i) => loose[i % 3]!.cache.fetch('herd:loose', loader)),
        );
        expect(calls).toBe(3); // still coalesced in process, no longer across processes
      });
    });
  },
  ['standalone', 'cluster'],
);
