// Bookings acceptance through the built app: 3 app processes per topology (standalone, Cluster) over one
// real PostgreSQL; 200 concurrent bookings of one car never double-book (with the lock switched off the
// database's exclusion constraint refuses the overlaps), FLUSHALL between bookings, bad input, Redis down, and the round trips of @WithLock.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type pg from 'pg';
import { startApps, type AppHandle } from '../support/app-process.js';
import { authHeader } from '../support/auth.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { describeEachTopology, type TopologyHandle } from '../support/topologies.js';
import { waitUntil } from '../support/wait.js';
import { randomPrefix } from '../lock/lock-test-app.js';
import {
  commandCalls,
  day,
  delta,
  masters,
  overlappingPairs,
  overlaps,
  pgClient,
  type Range,
} from './bookings-helpers.js';

interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

/** Twenty ranges of five days starting two days apart: each overlaps its neighbours. */
const RANGES: Range[] = Array.from({ length: 20 }, (_, i) => ({
  startDate: day(5 + 2 * i),
  endDate: day(10 + 2 * i),
}));

/** The specs book as an admin, who may book for any customerId. */
const CALLER = authHeader('bookings-spec', { roles: ['admin'] });

/** Loads the caller's session on every app, so later command counts see only the bookings' own. */
async function warm(apps: AppHandle[]): Promise<void> {
  for (const app of apps) expect((await call(app, 'GET', '/health/live')).status).toBe(200);
}

async function call(app: AppHandle, method: string, path: string, body?: unknown): Promise<Reply> {
  const res = await fetch(app.url + path, {
    method,
    headers: { 'content-type': 'application/json', connection: 'close', authorization: CALLER },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    headers: res.headers,
  };
}

/** 200 concurrent bookings of `carId`, ten per range, spread round-robin over the apps. */
async function race(apps: AppHandle[], carId: string): Promise<Reply[]> {
  return Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      call(apps[i % apps.length]!, 'POST', '/bookings', {
        carId,
        customerId: `cust-${i}`,
        ...RANGES[i % 20],
      }),
    ),
  );
}

/** `bookings_overlap_refused_total` summed over the apps: overlaps the exclusion constraint refused. */
async function overlapRefusals(apps: AppHandle[]): Promise<number> {
  let total = 0;
  for (const app of apps) {
    const res = await fetch(`${app.url}/metrics`, {
      headers: { connection: 'close', authorization: authHeader('ops', { roles: ['admin'] }) },
    });
    total += Number(/^bookings_overlap_refused_total (\S+)$/m.exec(await res.text())?.[1] ?? 0);
  }
  return total;
}

async function rows(db: pg.Client, carId: string) {
  const result = await db.query<{ id: string; start_date: string; end_date: string; fencing_token: string }>(
    `SELECT id, to_char(start_date, 'YYYY-MM-DD') AS start_date, to_char(end_date, 'YYYY-MM-DD') AS end_date,
       fencing_token FROM bookings WHERE car_id = $1 ORDER BY created_at, fencing_token`,
    [carId],
  );
  return result.rows.map((r) => ({
    id: r.id,
    startDate: r.start_date,
    endDate: r.end_date,
    fencingToken: Number(r.fencing_token),
  }));
}

const appEnv = (
  topology: TopologyHandle,
  databaseUrl: string,
  prefix: string,
  extra: Record<string, string> = {},
) => ({
  ...topology.env,
  DATABASE_URL: databaseUrl,
  REDIS_KEY_PREFIX: prefix,
  // The global rate limiter must not interfere with 200 requests in a burst.
  RATE_LIMIT_DEFAULT: '1000000/60s',
  BENCH_ROUTES: '1',
  // 3 apps, 6 Redis nodes and PostgreSQL on 2 cores under a 200-request burst: the default 500 ms
  // command timeout would turn scheduling delays into fail-closed 503s that say nothing about locking.
  REDIS_COMMAND_TIMEOUT_MS: '2000',
  // Round trips are counted over every command Redis saw: no idle queue worker polling and no flag
  // resync tick may land between snapshots.
  QUEUE_WORKERS: '0',
  FLAGS_RESYNC_INTERVAL_MS: '3600000',
  ...extra,
});

describeEachTopology(
  'Bookings',
  (topology, name) => {
    let apps: AppHandle[] = [];
    let db: pg.Client;
    let databaseUrl: string;
    let prefix: string;
    let redis: ReturnType<TopologyHandle['client']>;

    beforeAll(async () => {
      databaseUrl = await createTestDatabase();
      prefix = randomPrefix();
      apps = await startApps(3, { env: appEnv(topology(), databaseUrl, prefix) });
      await warm(apps);
      db = await pgClient(databaseUrl);
      redis = topology().client();
    }, 90_000);

    afterAll(async () => {
      await db?.end();
      await Promise.all(apps.map((a) => a.stop()));
    }, 30_000);

    it('200 concurrent bookings of one car over 20 overlapping ranges on 3 instances: never an overlap', async () => {
      const carId = `race-${name}`;
      const refusedBefore = await overlapRefusals(apps);
      const replies = await race(apps, carId);
      const outcomes = replies.map((r) => (r.status === 201 ? 'created' : String(r.body.type)));
      expect(outcomes.filter((o) => !['created', 'booking-conflict', 'lock-busy'].includes(o))).toEqual([]);
      const created = replies
        .filter((r) => r.status === 201)
        .map((r) => r.body as unknown as Range & { id: string });
      expect(created.length).toBeGreaterThan(0);
      expect(overlappingPairs(created)).toBe(0);
      // The table holds exactly the successes, and nothing overlaps in it.
      const table = await rows(db, carId);
      expect(table.map((r) => r.id).sort()).toEqual(created.map((c) => c.id).sort());
      expect(overlappingPairs(table)).toBe(0);
      // Written one after another under the lock: tokens grow in commit order.
      const tokens = table.map((r) => r.fencingToken);
      expect(tokens).toEqual([...tokens].sort((a, b) => a - b));
      expect(new Set(tokens).size).toBe(tokens.length);
      // Every refused range really overlaps a booking: the accepted set is maximal, not just disjoint.
      replies.forEach((r, i) => {
        if (r.body.type === 'booking-conflict')
          expect(created.some((c) => overlaps(c, RANGES[i % 20]!))).toBe(true);
      });
      // The lock metrics saw the acquisitions and the contention.
      const metrics = await (
        await fetch(`${apps[0]!.url}/metrics`, { headers: { connection: 'close' } })
      ).text();
      const sample = (series: string) =>
        Number(new RegExp(`^${series} (\\S+)$`, 'm').exec(metrics)?.[1] ?? 0);
      expect(sample('lock_acquisitions_total\\{outcome="acquired"\\}')).toBeGreaterThan(0);
      expect(sample('lock_contended_total')).toBeGreaterThan(0);
      expect(sample('lock_acquire_wait_seconds_count\\{contended="true"\\}')).toBeGreaterThan(0);
      // What the lock buys: the database (almost) never has to refuse an overlap itself.
      const refusedByDb = (await overlapRefusals(apps)) - refusedBefore;
      console.log(
        `[${name}] race outcomes`,
        Object.fromEntries([...new Set(outcomes)].map((o) => [o, outcomes.filter((x) => x === o).length])),
        `refused by the exclusion constraint: ${refusedByDb}`,
      );
    }, 60_000);

    if (name === 'standalone') {
      it('the same race with the lock switched off (test-only switch): the database refuses every overlap', async () => {
        const off = await startApps(3, {
          env: appEnv(topology(), databaseUrl, randomPrefix(), { TEST_DISABLE_LOCKS: '1' }),
        });
        try {
          await warm(off);
          // Overlapping inserts must interleave for the constraint to act (most bursts show some): up to
          // 10 bursts, each on a car of its own.
          let refused = 0;
          for (let burst = 0; burst < 10 && refused === 0; burst++) {
            const carId = `unlocked-${burst}`;
            const before = await overlapRefusals(off);
            const replies = await race(off, carId);
            const outcomes = replies.map((r) =>
              r.status === 201 ? 'created' : `${r.status} ${String(r.body.type)}`,
            );
            // Without the lock nothing keeps the writers apart but the exclusion constraint: only 201 or
            // 409 booking-conflict, never a 500, and the table holds no overlap.
            expect(outcomes.filter((o) => o !== 'created' && o !== '409 booking-conflict')).toEqual([]);
            const table = await rows(db, carId);
            expect(overlappingPairs(table)).toBe(0);
            expect(table.length).toBe(outcomes.filter((o) => o === 'created').length);
            refused = (await overlapRefusals(off)) - before;
            console.log(
              `[${name}] lock off, burst ${burst + 1}: ${table.length} created, ${200 - table.length} x 409, ${refused} refused by the exclusion constraint, 0 overlaps`,
            );
          }
          expect(refused).toBeGreaterThan(0);
        } finally {
          await Promise.all(off.map((a) => a.stop()));
        }
      }, 120_000);
    }

    it('FLUSHALL between two bookings of one car: the second still succeeds, with a larger token', async () => {
      const first = await call(apps[0]!, 'POST', '/bookings', {
        carId: 'flush',
        customerId: 'a',
        ...RANGES[0],
      });
      expect(first.status).toBe(201);
      for (const node of await masters(redis)) await node.flushall();
      const second = await call(apps[1]!, 'POST', '/bookings', {
        carId: 'flush',
        customerId: 'b',
        ...RANGES[3],
      });
      expect(second.status).toBe(201);
      expect(second.body.fencingToken).toBeGreaterThan(first.body.fencingToken as number);
      // The Redis counter was reseeded from the database's high-water mark.
      expect(Number(await redis.get(`${prefix}:fence:{car:flush}`))).toBe(second.body.fencingToken);
      const third = await call(apps[2]!, 'POST', '/bookings', {
        carId: 'flush',
        customerId: 'c',
        ...RANGES[6],
      });
      expect(third.body.fencingToken).toBe((second.body.fencingToken as number) + 1);
    });

    it('lists with pagination, deletes with 204, and a cancelled range can be booked again', async () => {
      const carId = 'list-car';
      for (const i of [0, 3, 6]) {
        expect(
          (await call(apps[i % 3]!, 'POST', '/bookings', { carId, customerId: 'x', ...RANGES[i] })).status,
        ).toBe(201);
      }
      const page1 = await call(apps[0]!, 'GET', `/bookings?carId=${carId}&limit=2`);
      expect(page1.status).toBe(200);
      expect(page1.body).toMatchObject({ page: 1, limit: 2, total: 3 });
      const items = page1.body.items as Array<
        Range & { id: string; carId: string; customerId: string; fencingToken: number }
      >;
      expect(items.map((b) => b.startDate)).toEqual([RANGES[0]!.startDate, RANGES[3]!.startDate]);
      expect(Object.keys(items[0]!).sort()).toEqual([
        'carId',
        'customerId',
        'endDate',
        'fencingToken',
        'id',
        'startDate',
      ]);
      const page2 = await call(apps[1]!, 'GET', `/bookings?carId=${carId}&limit=2&page=2`);
      expect((page2.body.items as Range[]).map((b) => b.startDate)).toEqual([RANGES[6]!.startDate]);
      expect((await call(apps[2]!, 'DELETE', `/bookings/${items[0]!.id}`)).status).toBe(204);
      const gone = await call(apps[2]!, 'DELETE', `/bookings/${items[0]!.id}`);
      expect(gone.status).toBe(404);
      expect(gone.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const again = await call(apps[0]!, 'POST', '/bookings', { carId, customerId: 'y', ...RANGES[0] });
      expect(again.status).toBe(201);
      // Back-to-back ranges do not overlap (the return day is exclusive): one day between two bookings.
      const backToBack = await call(apps[0]!, 'POST', '/bookings', {
        carId,
        customerId: 'z',
        startDate: RANGES[0]!.endDate,
        endDate: RANGES[3]!.startDate,
      });
      expect(backToBack.status).toBe(201);
    });

    it('bad input on every bookings route: 400 problem+json', async () => {
      const good = { carId: 'bad-input', customerId: 'c', startDate: day(3), endDate: day(5) };
      const bad: Array<[string, string, unknown?]> = [
        ['POST', '/bookings', { ...good, carId: 'has space' }],
        ['POST', '/bookings', { ...good, carId: 'x'.repeat(65) }],
        ['POST', '/bookings', { ...good, carId: 42 }],
        ['POST', '/bookings', { ...good, customerId: 'a/b' }],
        ['POST', '/bookings', { ...good, customerId: '' }],
        ['POST', '/bookings', { ...good, startDate: '2026-1-5' }],
        ['POST', '/bookings', { ...good, startDate: '2027-04-31', endDate: '2027-05-02' }],
        ['POST', '/bookings', { ...good, startDate: '2027-02-30', endDate: '2027-03-02' }],
        ['POST', '/bookings', { ...good, startDate: day(-1) }],
        ['POST', '/bookings', { ...good, endDate: good.startDate }],
        ['POST', '/bookings', { ...good, endDate: day(2) }],
        ['POST', '/bookings', { ...good, endDate: day(3 + 91) }],
        ['POST', '/bookings', { ...good, extra: true }],
        ['POST', '/bookings', [good]],
        ['POST', '/bookings', '{"carId": '],
        ['GET', '/bookings'],
        ['GET', '/bookings?carId=a%20b'],
        ['GET', '/bookings?carId=ok&page=0'],
        ['GET', '/bookings?carId=ok&limit=101'],
        ['GET', '/bookings?carId=ok&limit=abc'],
        ['GET', '/bookings?carId=ok&sort=x'],
        ['DELETE', '/bookings/not-a-uuid'],
      ];
      for (const [method, path, body] of bad) {
        const res = await call(apps[0]!, method, path, body);
        expect({ method, path, body, status: res.status }).toEqual({ method, path, body, status: 400 });
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({ status: 400, type: expect.any(String) });
      }
      // 90 days exactly is allowed; nothing above was written.
      expect((await call(apps[0]!, 'POST', '/bookings', { ...good, endDate: day(3 + 90) })).status).toBe(201);
      expect((await rows(db, 'bad-input')).length).toBe(1);
    });

    it('acquire + release = 2 round trips per locked request (INFO commandstats deltas)', async () => {
      const n = 40;
      // Warm-up: on a Cluster each app connects to each master on first use, and a master that has not
      // seen a script answers NOSCRIPT once (EVAL fallback): first-contact costs, not per-request ones.
      for (let i = 0; i < 90; i++) await call(apps[i % 3]!, 'POST', `/bench/locked/warm-${i}`);
      const before = await commandCalls(redis);
      for (let i = 0; i < n; i++) {
        const res = await call(apps[i % 3]!, 'POST', `/bench/locked/rt-${i}`);
        expect(res.body).toEqual({ ok: true });
      }
      const d = delta(before, await commandCalls(redis));
      // Two EVALSHA per request (acquire, release); every other count is a command inside those scripts.
      expect(d).toEqual({ evalsha: 2 * n, set: n, incr: n, get: n, del: n, exists: n });
    });

    if (name === 'standalone') {
      it('Redis down: POST /bookings answers 503 problem+json with Retry-After and writes nothing', async () => {
        const server = topology().standalone!;
        await server.kill();
        try {
          const res = await call(apps[0]!, 'POST', '/bookings', {
            carId: 'down',
            customerId: 'c',
            ...RANGES[0],
          });
          expect(res.status).toBe(503);
          expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
          expect(res.headers.get('retry-after')).toBe('1');
          expect(await rows(db, 'down')).toEqual([]);
        } finally {
          await server.start();
        }
        await waitUntil(
          async () =>
            (await call(apps[0]!, 'POST', '/bookings', { carId: 'down', customerId: 'c', ...RANGES[0] }))
              .status === 201,
          { message: 'bookings did not recover after Redis came back' },
        );
      });
    }
  },
  ['standalone', 'cluster'],
);
