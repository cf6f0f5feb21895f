// GraphQL (/graphql) on the built app: 3 processes over one Redis Cluster (the cross-instance case) and one
// PostgreSQL. The operation result cache and its keys, invalidation across REST and GraphQL on every
// instance, each decorator on a resolver, DataLoader batching, identity, and bad queries answered 4xx.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { startApps, type AppHandle } from '../support/app-process.js';
import { authHeader } from '../support/auth.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { describeEachTopology } from '../support/topologies.js';
import { randomPrefix } from '../lock/lock-test-app.js';
import { commandCalls, day, delta, overlappingPairs, pgClient } from '../bookings/bookings-helpers.js';
import { ADMIN, codes, gql, metricSum, type GqlReply } from './graphql-client.js';

const CAR = `query Car($id: Int!) { car(id: $id) { id model dailyPrice } }`;
const LIST = `query List($make: String) { cars(make: $make, limit: 1) { total items { id dailyPrice } } }`;

describeEachTopology(
  'GraphQL over 3 processes',
  (redis) => {
    let apps: AppHandle[];
    let databaseUrl: string;
    let db: pg.Client;
    const prefix = randomPrefix();

    beforeAll(async () => {
      databaseUrl = await createTestDatabase();
      apps = await startApps(3, {
        env: {
          ...redis().env,
          REDIS_KEY_PREFIX: prefix,
          DATABASE_URL: databaseUrl,
          RATE_LIMIT_DEFAULT: '1000000/60s',
        },
      });
      db = await pgClient(databaseUrl);
    }, 90_000);

    afterAll(async () => {
      await db?.end();
      await Promise.all((apps ?? []).map((a) => a.stop()));
    }, 30_000);

    it('caches whole operations under the normalised document, variables and scope; X-Cache says how', async () => {
      const first = await gql(apps[0]!, `{ cars(limit: 3, make: "Ford") { total items { id make } } }`);
      expect(first.status).toBe(200);
      expect(first.cache).toBe('MISS');
      // Whitespace, a comment, argument and field order: the same entry, answered in this query's order.
      const respelled = await gql(
        apps[0]!,
        `# the same query\n{ cars(make: "Ford", limit: 3) { items { make id }   total } }`,
      );
      expect(respelled.cache).toBe('HIT');
      // No resolver (no guard) ran for the hit: the global rate limit is counted by the cache itself.
      const remaining = (r: GqlReply) =>
        Number(/"default";r=(\d+)/.exec(r.headers.get('ratelimit') ?? '')?.[1]);
      const again = await gql(apps[0]!, `{ cars(limit: 3, make: "Ford") { total items { id make } } }`);
      expect(again.cache).toBe('HIT');
      expect(remaining(again)).toBe(remaining(respelled) - 1);
      expect(JSON.stringify(respelled.body.data)).toBe(
        JSON.stringify({
          cars: {
            items: first.body.data!.cars.items.map((c: { id: number; make: string }) => ({
              make: c.make,
              id: c.id,
            })),
            total: first.body.data!.cars.total,
          },
        }),
      );
      // Other variables: another entry. The entry is shared by the instances (L2).
      expect((await gql(apps[1]!, LIST, { make: 'Ford' })).cache).toBe('MISS');
      expect((await gql(apps[2]!, LIST, { make: 'Ford' })).cache).toBe('HIT');
      expect((await gql(apps[2]!, LIST, { make: 'Kia' })).cache).toBe('MISS');
      // No hint on a root field (leaderboard): not cached.
      expect((await gql(apps[0]!, `{ leaderboard(board: "gql-spec") { total } }`)).cache).toBe('BYPASS');
      // The cache's own metrics, as for REST, under namespace gql.
      expect(await metricSum(apps, 'cache_hits_total', 'namespace="gql"')).toBeGreaterThanOrEqual(2);
      expect(await metricSum(apps, 'cache_misses_total', 'namespace="gql"')).toBeGreaterThanOrEqual(3);
    });

    it("round trips of the cached path: L1 hit = the rate limiter's one script, L2 hit + the entry's GETs", async () => {
      const client = redis().client();
      try {
        await gql(apps[0]!, CAR, { id: 31 }); // MISS on app 0
        await gql(apps[1]!, CAR, { id: 32 }); // warms app 1's connections
        let before = await commandCalls(client);
        const l2 = await gql(apps[1]!, CAR, { id: 31 });
        const l2Commands = delta(before, await commandCalls(client));
        before = await commandCalls(client);
        const l1 = await gql(apps[1]!, CAR, { id: 31 });
        const l1Commands = delta(before, await commandCalls(client));
        expect([l2.cache, l1.cache]).toEqual(['HIT', 'HIT']);
        console.log(
          `cached GraphQL path: L2 hit ${JSON.stringify(l2Commands)}, L1 hit ${JSON.stringify(l1Commands)}`,
        );
        // commandstats also counts the commands the rate limiter's script runs inside (hmget, hset, ...):
        // the round trips are the top-level commands, the script and the GETs.
        expect(l1Commands.evalsha).toBe(1);
        expect(l1Commands.get).toBeUndefined();
        expect(l2Commands.evalsha).toBe(1);
        expect(l2Commands.get).toBeLessThanOrEqual(2);
      } finally {
        client.disconnect();
      }
    });

    it('0 stale reads in 200 write-then-read pairs across instances (REST PATCH -> GraphQL, updateCar -> REST)', async () => {
      let stale = 0;
      const failures: string[] = [];
      const updateCar = `mutation Up($id: Int!, $p: Int!) { updateCar(id: $id, input: { dailyPrice: $p }) { dailyPrice } }`;
      for (let i = 1; i <= 200; i++) {
        const writer = apps[i % 3]!;
        const reader = apps[(i + 1) % 3]!;
        const price = 20_000 + i;
        if (i % 2 === 0) {
          // REST write, GraphQL read (the reader holds the car and a list page containing it).
          await gql(reader, CAR, { id: 9 });
          await gql(reader, LIST, { make: 'Toyota' });
          const res = await fetch(`${writer.url}/catalogue/cars/9`, {
            method: 'PATCH',
            headers: { authorization: ADMIN, 'content-type': 'application/json' },
            body: JSON.stringify({ dailyPrice: price }),
          });
          expect(res.status).toBe(200);
          const read = await gql(reader, CAR, { id: 9 });
          if (read.body.data?.car?.dailyPrice !== price) stale++;
        } else {
          // GraphQL write, REST read.
          await fetch(`${reader.url}/catalogue/cars/9`);
          const w = await gql(writer, updateCar, { id: 9, p: price }, { authorization: ADMIN });
          if (w.body.errors) failures.push(JSON.stringify(w.body.errors));
          const read = (await (await fetch(`${reader.url}/catalogue/cars/9`)).json()) as {
            dailyPrice: number;
          };
          const viaGql = await gql(reader, CAR, { id: 9 });
          if (read.dailyPrice !== price || viaGql.body.data?.car?.dailyPrice !== price) stale++;
        }
      }
      expect(failures).toEqual([]);
      expect(stale).toBe(0);
    });

    it('@Cacheable on a resolver: 60 concurrent uncached operations over 3 instances read the car once', async () => {
      // `leaderboard` has no hint, so the operation is not cached: the `car` field's own @Cacheable serves it.
      const q = `{ car(id: 44) { id model } leaderboard(board: "gql-cacheable") { total } }`;
      const before = await metricSum(apps, 'catalogue_db_queries_total', 'operation="find"');
      const replies = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          gql(apps[i % 3]!, q, undefined, { authorization: authHeader(`c${i}`) }),
        ),
      );
      expect(
        replies.every((r) => r.status === 200 && r.body.data?.car?.id === 44 && r.cache === 'BYPASS'),
      ).toBe(true);
      expect((await metricSum(apps, 'catalogue_db_queries_total', 'operation="find"')) - before).toBe(1);
    });

    it('@CacheEvict and @Roles on a resolver: updateCar needs the admin role and drops the REST entry', async () => {
      const customer = await gql(
        apps[0]!,
        `mutation { updateCar(id: 12, input: { available: false }) { id } }`,
        undefined,
        { authorization: authHeader('not-admin') },
      );
      expect(codes(customer)).toEqual(['FORBIDDEN']);
      const anonymous = await gql(
        apps[0]!,
        `mutation { updateCar(id: 12, input: { available: false }) { id } }`,
      );
      expect(codes(anonymous)).toEqual(['UNAUTHENTICATED']);
      await fetch(`${apps[1]!.url}/catalogue/cars/12`);
      const hit = await fetch(`${apps[1]!.url}/catalogue/cars/12`);
      expect(hit.headers.get('x-cache')).toBe('HIT');
      const admin = await gql(
        apps[0]!,
        `mutation { updateCar(id: 12, input: { model: "Evicted" }) { model } }`,
        undefined,
        { authorization: authHeader('ops', { roles: ['admin'] }) },
      );
      expect(admin.body.data?.updateCar?.model).toBe('Evicted');
      const after = await fetch(`${apps[1]!.url}/catalogue/cars/12`);
      expect(after.headers.get('x-cache')).toBe('MISS');
      expect(((await after.json()) as { model: string }).model).toBe('Evicted');
    });

    it('@WithLock on a resolver: 200 concurrent createBooking over 3 instances, 0 double bookings', async () => {
      const ranges = Array.from({ length: 20 }, (_, i) => ({
        startDate: day(5 + 2 * i),
        endDate: day(10 + 2 * i),
      }));
      const m = `mutation B($in: CreateBookingInput!) { createBooking(input: $in) { id fencingToken } }`;
      const replies = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          gql(
            apps[i % 3]!,
            m,
            { in: { carId: 'gql-car-1', customerId: `cust-${i}`, ...ranges[i % 20] } },
            {
              authorization: authHeader('booker', { roles: ['admin'] }),
            },
          ),
        ),
      );
      const ok = replies.filter((r) => r.body.data?.createBooking);
      const refused = replies.flatMap((r) => codes(r));
      expect(replies.every((r) => r.status < 500)).toBe(true);
      expect(new Set(refused)).toEqual(new Set(ok.length === 200 ? [] : ['CONFLICT']));
      const { rows } = await db.query<{ start_date: string; end_date: string }>(
        `SELECT to_char(start_date, 'YYYY-MM-DD') AS start_date, to_char(end_date, 'YYYY-MM-DD') AS end_date
           FROM bookings WHERE car_id = 'gql-car-1'`,
      );
      expect(rows.length).toBe(ok.length);
      expect(overlappingPairs(rows.map((r) => ({ startDate: r.start_date, endDate: r.end_date })))).toBe(0);
      console.log(
        `createBooking x200 over GraphQL: ${ok.length} booked, ${refused.length} refused, 0 overlaps`,
      );
    }, 60_000);

    it('@Idempotent on a resolver: 50 concurrent createPayment with one key make 1 payment', async () => {
      const key = `gql-pay-${prefix}`;
      const m = `mutation P($in: CreatePaymentInput!) { createPayment(input: $in) { id amount } }`;
      const caller = authHeader('payer-1');
      const replies = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          gql(
            apps[i % 3]!,
            m,
            { in: { amount: 4999, currency: 'usd' } },
            { authorization: caller, 'idempotency-key': key },
          ),
        ),
      );
      expect(replies.every((r) => r.status < 500)).toBe(true);
      const ids = new Set(replies.map((r) => r.body.data?.createPayment?.id).filter(Boolean));
      expect(ids.size).toBe(1);
      const others = replies.filter((r) => !r.body.data?.createPayment).flatMap(codes);
      expect(others.every((c) => c === 'CONFLICT')).toBe(true);
      const { rows } = await db.query(`SELECT id FROM payments WHERE customer_id = 'payer-1'`);
      expect(rows).toHaveLength(1);
      // A replay answers the stored payment; the key is required.
      const replay = await gql(
        apps[2]!,
        m,
        { in: { amount: 4999, currency: 'usd' } },
        { authorization: caller, 'idempotency-key': key },
      );
      expect(replay.body.data?.createPayment?.id).toBe([...ids][0]);
      const missing = await gql(
        apps[0]!,
        m,
        { in: { amount: 1, currency: 'usd' } },
        { authorization: caller },
      );
      expect(missing.body.errors?.[0]?.extensions?.status).toBe(400);
      console.log(`createPayment x50, one key: 1 payment, ${others.length} answered 409 in progress`);
    });

    it('@Throttle on a resolver: exactly 30 leaderboard queries a minute per caller, over 3 instances', async () => {
      const caller = authHeader(`throttled-${prefix}`);
      const replies: GqlReply[] = [];
      for (let i = 0; i < 36; i++) {
        replies.push(
          await gql(apps[i % 3]!, `{ leaderboard(board: "t") { total } }`, undefined, {
            authorization: caller,
          }),
        );
      }
      expect(replies.filter((r) => r.body.data?.leaderboard).length).toBe(30);
      const limited = replies.filter((r) => codes(r).includes('TOO_MANY_REQUESTS'));
      expect(limited.length).toBe(6);
      expect(limited[0]!.headers.get('retry-after')).toMatch(/^\d+$/);
    });

    it("identity: bookings are the caller's own (admin: all); DataLoader: one query per batch", async () => {
      const admin = authHeader('ops', { roles: ['admin'] });
      const m = `mutation B($in: CreateBookingInput!) { createBooking(input: $in) { id } }`;
      const book = async (sub: string, carId: string, from: number) => {
        const r = await gql(
          apps[0]!,
          m,
          { in: { carId, startDate: day(from), endDate: day(from + 2) } },
          { authorization: authHeader(sub) },
        );
        expect(r.body.errors).toBeUndefined();
      };
      await book('alice', 'car-21', 200);
      for (let i = 0; i < 4; i++) await book(`bob-${i}`, 'car-21', 210 + 3 * i);
      await book('bob-0', 'car-22', 200);
      const list = `{ bookings(carId: "car-21") { total items { customerId car { id make } } } }`;
      const alice = await gql(apps[1]!, list, undefined, { authorization: authHeader('alice') });
      expect(alice.body.data?.bookings.total).toBe(1);
      expect(alice.body.data?.bookings.items[0].customerId).toBe('alice');
      // Five bookings of one list, each with its car: one SELECT ... WHERE id IN (...) for the batch, not five.
      let before = await metricSum(apps, 'catalogue_db_queries_total', 'operation="findMany"');
      const all = await gql(apps[1]!, list, undefined, { authorization: admin });
      expect(all.body.data?.bookings.total).toBe(5);
      expect(all.body.data?.bookings.items.map((b: { car: { id: number } }) => b.car.id)).toEqual([
        21, 21, 21, 21, 21,
      ]);
      expect((await metricSum(apps, 'catalogue_db_queries_total', 'operation="findMany"')) - before).toBe(1);
      // Two lists resolve at different moments: one batch (one statement) each, never one per booking.
      before = await metricSum(apps, 'catalogue_db_queries_total', 'operation="findMany"');
      const two = await gql(
        apps[1]!,
        `{ a: bookings(carId: "car-21") { items { car { id } } } b: bookings(carId: "car-22") { items { car { id } } } }`,
        undefined,
        { authorization: admin },
      );
      expect(two.body.data?.b.items[0].car.id).toBe(22);
      const batches = (await metricSum(apps, 'catalogue_db_queries_total', 'operation="findMany"')) - before;
      expect(batches).toBeGreaterThanOrEqual(1);
      expect(batches).toBeLessThanOrEqual(2);
      expect(codes(await gql(apps[1]!, list))).toContain('UNAUTHENTICATED');
    });
    it('bad queries answer 4xx, never 5xx: syntax, depth bomb, alias bomb, 1 MB query, unknown persisted hash', async () => {
      // Introspection's ofType chain: the classic depth bomb of a schema without cycles.
      const fragmentBomb = `fragment F on Car { id } query { ${Array.from({ length: 50 }, (_, i) => `a${i}: car(id: 1) { ...F }`).join(' ')} }`;
      const tooDeep = `{ ${'__type(name: "Car") { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } }'} }`;
      const huge = `{ cars { total } } # ${'x'.repeat(1024 * 1024)}`;
      const cases: [string, GqlReply][] = [
        ['syntax', await gql(apps[0]!, '{ cars(limit: ) }')],
        ['empty', await gql(apps[0]!, '')],
        ['depth', await gql(apps[0]!, tooDeep)],
        ['aliases', await gql(apps[0]!, fragmentBomb)],
        [
          'complexity',
          await gql(
            apps[0]!,
            `{ ${Array.from({ length: 20 }, (_, i) => `c${i}: cars(limit: 100) { items { id make model year } }`).join(' ')} }`,
          ),
        ],
        ['1 MB', await gql(apps[0]!, huge)],
        ['tokens', await gql(apps[0]!, `{ cars { total } } ${'{ cars { total } } '.repeat(1000)}`)],
        [
          'unknown hash',
          await gql(
            apps[0]!,
            undefined,
            undefined,
            {},
            { persistedQuery: { version: 1, sha256Hash: 'ab'.repeat(32) } },
          ),
        ],
        ['bad variables', await gql(apps[0]!, CAR, { id: 'x' })],
        ['unknown field', await gql(apps[0]!, '{ nope }')],
      ];
      const statuses = Object.fromEntries(cases.map(([name, r]) => [name, r.status]));
      console.log(`bad GraphQL queries: ${JSON.stringify(statuses)}`);
      for (const [name, r] of cases) {
        expect([name, r.status >= 400 && r.status < 500]).toEqual([name, true]);
      }
      expect(cases.find(([n]) => n === 'depth')![1].body.errors?.[0]?.extensions?.type).toBe(
        'query-too-deep',
      );
      expect(cases.find(([n]) => n === 'aliases')![1].body.errors?.[0]?.extensions?.type).toBe(
        'too-many-aliases',
      );
      expect(cases.find(([n]) => n === 'complexity')![1].body.errors?.[0]?.extensions?.type).toBe(
        'query-too-complex',
      );
      expect(JSON.stringify(cases.map(([, r]) => r.body))).not.toMatch(/stacktrace|\bat [A-Za-z.]+ \(/);
    });

    it('automatic persisted queries live in Redis: registered on one instance, used on another', async () => {
      const { createHash } = await import('node:crypto');
      const query = `{ car(id: 3) { id make } }`;
      const sha256Hash = createHash('sha256').update(query).digest('hex');
      const ext = { persistedQuery: { version: 1, sha256Hash } };
      expect((await gql(apps[0]!, undefined, undefined, {}, ext)).status).toBe(400);
      const registered = await gql(apps[0]!, query, undefined, {}, ext);
      expect(registered.body.data?.car?.id).toBe(3);
      const used = await gql(apps[2]!, undefined, undefined, {}, ext);
      expect(used.status).toBe(200);
      expect(used.body.data?.car?.id).toBe(3);
      const client = redis().client();
      try {
        const ttl = await client.ttl(`${prefix}:cache:gql:apq:${sha256Hash}`);
        expect(ttl).toBeGreaterThan(0);
      } finally {
        client.disconnect();
      }
    });

    it('in production, introspection is refused and errors carry no stack trace', async () => {
      const introspect = '{ __schema { queryType { name } } }';
      expect((await gql(apps[0]!, introspect)).body.data?.__schema?.queryType?.name).toBe('Query');
      const [prod] = await startApps(1, {
        env: {
          ...redis().env,
          REDIS_KEY_PREFIX: prefix,
          DATABASE_URL: databaseUrl,
          RATE_LIMIT_DEFAULT: '1000000/60s',
          NODE_ENV: 'production',
          EMAIL_TRANSPORT: 'log',
          // Production refuses the specs' operator token and JWT secret, published in this repository.
          ADMIN_TOKEN: randomBytes(32).toString('base64url'),
          AUTH_JWT_SECRET: randomBytes(48).toString('base64url'),
        },
      });
      try {
        const refused = await gql(prod!, introspect);
        expect(refused.status).toBe(400);
        expect(codes(refused)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
        expect(refused.body.errors![0]!.message).toMatch(/introspection/i);
        const unknown = await gql(prod!, '{ nope }');
        expect(unknown.status).toBe(400);
        expect(JSON.stringify(unknown.body)).not.toMatch(/stacktrace|\bat .*\.js:\d+/i);
        // The same query is answered there as anywhere.
        expect((await gql(prod!, '{ car(id: 3) { id } }')).body.data?.car?.id).toBe(3);
      } finally {
        await prod!.stop();
      }
    }, 60_000);
  },
  ['cluster'],
);
