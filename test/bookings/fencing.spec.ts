// Fencing end to end, in process over real Redis (standalone, Cluster) and a real PostgreSQL: a holder
// that stalls past its TTL loses the lock to a second holder and its late write is rejected by the
// database's fence; the fence rule itself; the reseed of a counter Redis lost.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { BookingsModule } from '../../src/features/bookings/bookings.module.js';
import { PubSubModule } from '../../src/platform/pubsub/index.js';
import { BookingsRepository, isStaleFence } from '../../src/features/bookings/bookings.repository.js';
import { BookingsService } from '../../src/features/bookings/bookings.service.js';
import { StaleFencingTokenError } from '../../src/features/bookings/bookings.errors.js';
import { LockLostError, LockService } from '../../src/platform/lock/index.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { describeEachTopology, type TopologyHandle } from '../support/topologies.js';
import { waitUntil } from '../support/wait.js';
import { createLockApp, randomPrefix } from '../lock/lock-test-app.js';
import { day, pgClient } from './bookings-helpers.js';

describeEachTopology(
  'Fencing tokens and bookings',
  (topology: () => TopologyHandle) => {
    let app: INestApplication;
    let locks: LockService;
    let bookings: BookingsService;
    let repo: BookingsRepository;
    let db: pg.Client;
    let prefix: string;

    beforeAll(async () => {
      const databaseUrl = await createTestDatabase();
      prefix = randomPrefix();
      app = await createLockApp({
        env: topology().env,
        keyPrefix: prefix,
        databaseUrl,
        // PubSubModule is global in AppModule: bookings publish booking.created through it.
        imports: [PubSubModule.forRoot({}), BookingsModule],
      });
      locks = app.get(LockService);
      bookings = app.get(BookingsService);
      repo = app.get(BookingsRepository);
      db = await pgClient(databaseUrl);
    }, 60_000);

    afterAll(async () => {
      await db?.end();
      await app?.close();
    });

    const range = (from: number, to: number, customerId = 'c') => ({
      customerId,
      startDate: day(from),
      endDate: day(to),
    });

    it('a holder stalled past its TTL loses the lock to a second holder, and its write is rejected by its token', async () => {
      const carId = 'stall';
      // The stale holder: 300 ms TTL, no automatic extension.
      const stale = await locks.acquire(['car', carId], { ttlMs: 300 });
      // The second holder gets the lock once the TTL has passed, with a larger token, and books.
      const fresh = await locks.acquire(['car', carId], { ttlMs: 5_000, waitMs: 3_000 });
      expect(fresh.fencingToken).toBeGreaterThan(stale.fencingToken);
      const booked = await bookings.createUnder({ carId, ...range(10, 12) }, fresh);
      expect(booked.fencingToken).toBe(fresh.fencingToken);
      // The stale holder wakes up and writes a range that does not even overlap: rejected all the same.
      const late = await bookings.createUnder({ carId, ...range(20, 22) }, stale).catch((e: unknown) => e);
      expect(late).toBeInstanceOf(StaleFencingTokenError);
      expect(late).toMatchObject({
        code: 'STALE_FENCING_TOKEN',
        problem: { status: 409, type: 'stale-fencing-token' },
      });
      expect(isStaleFence((late as Error).cause)).toBe(true);
      // Not mistaken for a lost counter: the stale holder's lock is not reseeded or re-taken.
      expect(stale.fencingToken).toBeLessThan(fresh.fencingToken);
      await locks.release(fresh);
      const { rows } = await db.query('SELECT fencing_token FROM bookings WHERE car_id = $1', [carId]);
      expect(rows.map((r: { fencing_token: string }) => Number(r.fencing_token))).toEqual([
        fresh.fencingToken,
      ]);
    });

    it('the same through using(): the stalled work is aborted when its lock expires, and its write is rejected', async () => {
      const carId = 'stall-using';
      let entered!: () => void;
      let booked!: () => void;
      const holding = new Promise<void>((resolve) => (entered = resolve));
      const secondBooked = new Promise<void>((resolve) => (booked = resolve));
      const first = locks.using(
        ['car', carId],
        async (signal, lock) => {
          entered();
          // Stalls: its lock expires (the signal says so) and another request books meanwhile.
          await waitUntil(() => signal.aborted);
          expect(signal.reason).toBeInstanceOf(LockLostError);
          await secondBooked;
          return bookings.createUnder({ carId, ...range(40, 41) }, lock).catch((e: unknown) => e);
        },
        { ttlMs: 250, autoExtend: false },
      );
      await holding;
      // Outside the first holder's call chain: waits for its TTL, then books.
      await locks.using(['car', carId], (_s, l) => bookings.createUnder({ carId, ...range(30, 31) }, l), {
        waitMs: 3_000,
      });
      booked();
      expect(await first).toBeInstanceOf(StaleFencingTokenError);
      expect((await bookings.list(carId, 1, 10)).total).toBe(1);
    });

    it('the database fence: older tokens and reused tokens of another acquisition are rejected', async () => {
      const carId = 'rule';
      const write = (token: number, owner: string, from: number) =>
        repo.insertIfFree({
          id: randomUUID(),
          carId,
          ...range(from, from + 1),
          fencingToken: token,
          lockOwner: owner,
        });
      await expect(write(5, 'a', 10)).resolves.toBeDefined();
      await expect(write(5, 'a', 11)).resolves.toBeDefined(); // the same holder may write twice
      for (const [token, owner] of [
        [4, 'b'],
        [5, 'b'],
        [1, 'a'],
      ] as const) {
        const err = await write(token, owner, 12).catch((e: unknown) => e);
        expect(isStaleFence(err)).toBe(true);
      }
      await expect(write(6, 'b', 12)).resolves.toBeDefined();
      // Deleting bookings does not lower the high-water mark.
      await db.query('DELETE FROM bookings WHERE car_id = $1', [carId]);
      expect(await repo.fenceHighWater(carId)).toBe(6);
      expect(isStaleFence(await write(6, 'c', 13).catch((e: unknown) => e))).toBe(true);
    });

    it('reseeds a fence counter Redis lost from the database high-water mark', async () => {
      const carId = 'lost-counter';
      const first = await bookings.create({ carId, ...range(3, 4) });
      const second = await bookings.create({ carId, ...range(4, 5) });
      expect(second.fencingToken).toBe(first.fencingToken + 1);
      // Redis loses the counter (a restart without AOF, a failover before replication).
      const redis = topology().client();
      await redis.del(`${prefix}:fence:{car:${carId}}`);
      const third = await bookings.create({ carId, ...range(5, 6) });
      expect(third.fencingToken).toBe(second.fencingToken + 1);
      expect(Number(await redis.get(`${prefix}:fence:{car:${carId}}`))).toBe(third.fencingToken);
      // A counter that went back but not to zero (a partial loss) is caught by the owner check too.
      await redis.set(`${prefix}:fence:{car:${carId}}`, String(third.fencingToken - 1));
      const fourth = await bookings.create({ carId, ...range(6, 7) });
      expect(fourth.fencingToken).toBe(third.fencingToken + 1);
    });
  },
  ['standalone', 'cluster'],
);
