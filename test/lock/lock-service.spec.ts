// LockService against real Redis (standalone and Cluster): keys and slots, fencing tokens, owner-only
// release and extend, bounded jittered waits woken by release notifications, using() with automatic
// extension and an AbortSignal, kill -9 of a holder, and the round trips of acquire and release.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Cluster } from 'ioredis';
import { join } from 'node:path';
import {
  LockBusyError,
  LockLostError,
  LockService,
  type Lock,
  type LockModuleOptions,
} from '../../src/platform/lock/index.js';
import { REDIS_CLIENT, type RedisClient } from '../../src/platform/redis/index.js';
import { spawnTracked } from '../support/child.js';
import { repoRoot } from '../support/tmp.js';
import { describeEachTopology, type TopologyHandle } from '../support/topologies.js';
import { waitUntil } from '../support/wait.js';
import { countCommands, createLockApp, randomPrefix } from './lock-test-app.js';

const ms = (since: number) => performance.now() - since;

describeEachTopology(
  'LockService',
  (topology) => {
    let app: INestApplication;
    let locks: LockService;
    let client: RedisClient;
    let redis: ReturnType<TopologyHandle['client']>;
    let prefix: string;
    const apps: INestApplication[] = [];

    async function lockApp(lock: LockModuleOptions = {}) {
      const a = await createLockApp({ env: topology().env, keyPrefix: prefix, lock });
      apps.push(a);
      return a.get(LockService);
    }

    beforeAll(async () => {
      prefix = randomPrefix();
      app = await createLockApp({ env: topology().env, keyPrefix: prefix });
      apps.push(app);
      locks = app.get(LockService);
      client = app.get<RedisClient>(REDIS_CLIENT);
      redis = topology().client();
    });

    afterAll(async () => {
      await Promise.all(apps.map((a) => a.close()));
    });

    it('keeps the lock and its fence counter in one slot: {prefix}:lock:{car:42}, {prefix}:fence:{car:42}', async () => {
      const lock = await locks.acquire('car:42', { ttlMs: 5_000 });
      expect(await redis.get(`${prefix}:lock:{car:42}`)).toBe(lock.token);
      expect(Number(await redis.get(`${prefix}:fence:{car:42}`))).toBe(lock.fencingToken);
      if (redis instanceof Cluster) {
        const slot = (key: string) => redis.call('CLUSTER', 'KEYSLOT', key);
        expect(await slot(`${prefix}:lock:{car:42}`)).toBe(await slot(`${prefix}:fence:{car:42}`));
      }
      expect(lock).toMatchObject({ resource: 'car:42', token: expect.any(String) });
      expect(lock.expiresAt).toBeGreaterThan(Date.now());
      expect(await locks.release(lock)).toBe(true);
      expect(await redis.exists(`${prefix}:lock:{car:42}`)).toBe(0);
      // A hostile resource part is hashed, never pasted into the key or its hash tag.
      const hostile = await locks.acquire(['car', '}{x:*'], { ttlMs: 1_000 });
      expect(locks.keysOf(['car', '}{x:*']).lock).toMatch(
        new RegExp(`^${prefix}:lock:\\{car:#[\\w-]{22}\\}$`),
      );
      await locks.release(hostile);
    });

    it('hands out strictly increasing fencing tokens per resource, across instances', async () => {
      const other = await lockApp();
      const tokens: number[] = [];
      for (let i = 0; i < 6; i++) {
        const service = i % 2 === 0 ? locks : other;
        const lock = await service.acquire('car:fence-order', { ttlMs: 5_000 });
        tokens.push(lock.fencingToken);
        await service.release(lock);
      }
      expect(tokens).toEqual([...tokens].sort((a, b) => a - b));
      expect(new Set(tokens).size).toBe(tokens.length);
      // Another resource has its own counter.
      const fresh = await locks.acquire('car:fence-other');
      expect(fresh.fencingToken).toBe(1);
      await locks.release(fresh);
    });

    it('acquire and release are one round trip each (one Lua call)', async () => {
      const warm = await locks.acquire('rt:warm');
      await locks.release(warm); // scripts cached on every node this slot maps to
      const counter = countCommands(client);
      try {
        const lock = await locks.acquire('rt:warm', { ttlMs: 5_000 });
        expect(counter.count).toBe(1);
        await locks.extend(lock, 5_000);
        expect(counter.count).toBe(2);
        await locks.release(lock);
        expect(counter.count).toBe(3);
        expect(counter.names).toEqual(['evalsha', 'evalsha', 'evalsha']);
      } finally {
        counter.stop();
      }
    });

    it('release by a non-owner changes nothing', async () => {
      const lock = await locks.acquire('car:owner', { ttlMs: 5_000 });
      const forged: Lock = { ...lock, token: 'not-the-owner' };
      expect(await locks.release(forged)).toBe(false);
      expect(await locks.extend(forged, 60_000)).toBe(false);
      expect(await redis.get(`${prefix}:lock:{car:owner}`)).toBe(lock.token);
      expect(await redis.pttl(`${prefix}:lock:{car:owner}`)).toBeLessThanOrEqual(5_000);
      expect(Number(await redis.get(`${prefix}:fence:{car:owner}`))).toBe(lock.fencingToken);
      await expect(locks.acquire('car:owner')).rejects.toBeInstanceOf(LockBusyError);
      expect(await locks.release(lock)).toBe(true);
    });

    it('extend works for the owner, and fails after expiry without re-taking the lock', async () => {
      const lock = await locks.acquire('car:extend', { ttlMs: 300 });
      expect(await locks.extend(lock, 5_000)).toBe(true);
      expect(await redis.pttl(`${prefix}:lock:{car:extend}`)).toBeGreaterThan(1_000);
      expect(await locks.extend(lock, 200)).toBe(true);
      // The next holder gets it once the TTL has passed: that is the expiry, observed.
      const next = await locks.acquire('car:extend', { ttlMs: 5_000, waitMs: 3_000 });
      expect(await locks.extend(lock, 5_000)).toBe(false);
      expect(await redis.get(`${prefix}:lock:{car:extend}`)).toBe(next.token);
      await locks.release(next);
      expect(await locks.extend(lock, 5_000)).toBe(false);
      expect(await redis.exists(`${prefix}:lock:{car:extend}`)).toBe(0);
    });

    it('gives up after waitMs with 409 lock-busy and the remaining TTL, not before', async () => {
      const lock = await locks.acquire('car:busy', { ttlMs: 4_000 });
      const noWait = await locks.acquire('car:busy', { waitMs: 0 }).catch((e: unknown) => e);
      expect(noWait).toBeInstanceOf(LockBusyError);
      expect((noWait as LockBusyError).getStatus()).toBe(409);
      expect((noWait as LockBusyError).problem.type).toBe('lock-busy');
      expect(Number((noWait as LockBusyError).headers['Retry-After'])).toBe(4);
      const started = performance.now();
      await expect(locks.acquire('car:busy', { waitMs: 400 })).rejects.toBeInstanceOf(LockBusyError);
      const waited = ms(started);
      expect(waited).toBeGreaterThanOrEqual(395);
      expect(waited).toBeLessThan(1_000);
      await locks.release(lock);
    });

    it('wakes a waiter by the release notification, long before its backoff would', async () => {
      // Backoff of 1.5-3 s: only the notification can explain a wake-up within a few hundred ms.
      const slow = { backoff: { baseMs: 3_000, capMs: 3_000 } };
      const notified = await lockApp(slow);
      const polling = await lockApp({ ...slow, notifications: false });
      for (const [service, fast] of [
        [notified, true],
        [polling, false],
      ] as const) {
        const resource = `car:notify-${fast}`;
        const holder = await locks.acquire(resource, { ttlMs: 10_000 });
        const waiting = service.acquire(resource, { ttlMs: 5_000, waitMs: 8_000 });
        // The waiter has failed once and raised the waiter flag: it is now sleeping.
        await waitUntil(async () => (await redis.exists(`${prefix}:lock:{${resource}}:w`)) === 1);
        const released = performance.now();
        await locks.release(holder);
        const lock = await waiting;
        if (fast) expect(ms(released)).toBeLessThan(500);
        else expect(ms(released)).toBeGreaterThan(400);
        await service.release(lock);
      }
    });

    it('using() extends the lock while the work runs and releases it after', async () => {
      const other = await lockApp();
      const result = await locks.using(
        'car:using',
        async (signal, lock) => {
          // Three TTLs later the lock is still ours: a competitor waiting 900 ms gives up.
          await expect(other.acquire('car:using', { waitMs: 900 })).rejects.toBeInstanceOf(LockBusyError);
          expect(signal.aborted).toBe(false);
          expect(await redis.get(`${prefix}:lock:{car:using}`)).toBe(lock.token);
          return lock.fencingToken;
        },
        { ttlMs: 300 },
      );
      expect(result).toBeGreaterThan(0);
      expect(await redis.exists(`${prefix}:lock:{car:using}`)).toBe(0);
    });

    it('using() without extension aborts the stalled work when its lock expires and passes to the next holder', async () => {
      const other = await lockApp();
      let reason: unknown;
      let nextToken = 0;
      const stale = await locks.using(
        'car:stall',
        async (signal, lock) => {
          const next = await other.acquire('car:stall', { ttlMs: 5_000, waitMs: 3_000 });
          nextToken = next.fencingToken;
          await waitUntil(() => signal.aborted);
          reason = signal.reason;
          await other.release(next);
          return lock.fencingToken;
        },
        { ttlMs: 250, autoExtend: false },
      );
      expect(reason).toBeInstanceOf(LockLostError);
      expect(nextToken).toBeGreaterThan(stale);
    });

    it('using() is re-entrant within one call chain', async () => {
      const inner = await locks.using('car:reentrant', async (_s, outer) =>
        locks.using('car:reentrant', async (_s2, lock) => lock.token === outer.token, { waitMs: 0 }),
      );
      expect(inner).toBe(true);
    });

    it('after kill -9 of the process holding a lock, the lock is free once its TTL passes', async () => {
      const ttlMs = 1_000;
      const holder = await spawnTracked(
        process.execPath,
        [join(repoRoot, 'test/lock/fixtures/hold-lock.mjs'), 'car:crash', String(ttlMs)],
        {
          kind: 'lock-holder',
          cwd: repoRoot,
          env: {
            // Only this topology's Redis variables: none inherited from the shell.
            ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REDIS_'))),
            ...topology().env,
            REDIS_KEY_PREFIX: prefix,
          },
        },
      );
      try {
        await waitUntil(() => /HELD \d+/.test(holder.output()), {
          timeoutMs: 20_000,
          message: () => `the holder did not take the lock: ${holder.output()}`,
        });
        // The holder's auto-extension keeps it past its TTL.
        await expect(locks.acquire('car:crash', { waitMs: 1_500 })).rejects.toBeInstanceOf(LockBusyError);
        await holder.kill();
        const killed = performance.now();
        const lock = await locks.acquire('car:crash', { waitMs: 5_000 });
        expect(ms(killed)).toBeLessThan(ttlMs + 700);
        expect(lock.fencingToken).toBeGreaterThan(Number(/HELD (\d+)/.exec(holder.output())![1]));
        await locks.release(lock);
      } finally {
        await holder.kill();
      }
    });
  },
  ['standalone', 'cluster'],
);
