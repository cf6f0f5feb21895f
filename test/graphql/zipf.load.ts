// The database check of the GraphQL result cache: a Zipf-distributed load of catalogue queries over 3
// instances (one Redis Cluster, one PostgreSQL), once without any cache and once with it; PostgreSQL's reads
// of the catalogue counted with pg_stat_statements. `npm run load:graphql` (not part of `npm test`).
// GQL_LOAD_REQUESTS (default 6000), GQL_LOAD_CONCURRENCY (24), GQL_LOAD_WRITE_RATIO (0: reads only).
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type pg from 'pg';
import { startApps, type AppHandle } from '../support/app-process.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { describeEachTopology } from '../support/topologies.js';
import { randomPrefix } from '../lock/lock-test-app.js';
import { pgClient } from '../bookings/bookings-helpers.js';
import { ADMIN, gql } from './graphql-client.js';

const REQUESTS = Number(process.env.GQL_LOAD_REQUESTS ?? 6000);
const CONCURRENCY = Number(process.env.GQL_LOAD_CONCURRENCY ?? 24);
const WRITE_RATIO = Number(process.env.GQL_LOAD_WRITE_RATIO ?? 0);
/** Distinct operations (pages) and the Zipf exponent: a few hot pages, a long tail. */
const PAGES = 1000;
const S = 1.1;
const MAKES = ['Ford', 'Toyota', 'Volkswagen', 'Kia', 'Peugeot'];

/** A deterministic PRNG (mulberry32), so both runs send the same sequence. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The operation of rank `r` (1 = hottest): cars by id, list pages by make and page. */
function operation(r: number): { query: string; variables: Record<string, unknown> } {
  if (r % 3 !== 0) {
    return {
      query: 'query Car($id: Int!) { car(id: $id) { id make model dailyPrice } }',
      variables: { id: r },
    };
  }
  return {
    query:
      'query Cars($make: String, $page: Int) { cars(make: $make, page: $page, limit: 10) { total items { id model dailyPrice } } }',
    variables: { make: MAKES[r % MAKES.length], page: 1 + ((r / 3) % 10) },
  };
}

function zipfSampler(random: () => number): () => number {
  const cumulative: number[] = [];
  let sum = 0;
  for (let r = 1; r <= PAGES; r++) cumulative.push((sum += 1 / r ** S));
  return () => {
    const x = random() * sum;
    let lo = 0;
    let hi = PAGES - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}

/** SELECTs on `cars` executed by PostgreSQL in this database since the last reset. */
async function carReads(db: pg.Client): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `SELECT coalesce(sum(calls), 0) AS n FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND query ILIKE 'select%' AND query ILIKE '%"cars"%'`,
  );
  return Number(rows[0]!.n);
}

interface RunResult {
  reads: number;
  requests: number;
  errors: number;
  seconds: number;
  cache: Record<string, number>;
}

describeEachTopology(
  'GraphQL result cache under a Zipf load',
  (redis) => {
    let databaseUrl: string;
    let db: pg.Client;
    const results: Record<string, RunResult> = {};

    beforeAll(async () => {
      databaseUrl = await createTestDatabase();
      db = await pgClient(databaseUrl);
      await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    }, 60_000);

    afterAll(async () => {
      await db?.end();
    });

    async function run(name: string, env: Record<string, string>): Promise<RunResult> {
      const apps: AppHandle[] = await startApps(3, {
        env: {
          ...redis().env,
          ...env,
          REDIS_KEY_PREFIX: randomPrefix(),
          DATABASE_URL: databaseUrl,
          RATE_LIMIT_DEFAULT: '100000000/60s',
          LOG_LEVEL: 'warn',
        },
      });
      try {
        const random = rng(42);
        const next = zipfSampler(random);
        await db.query('SELECT pg_stat_statements_reset()');
        let sent = 0;
        let errors = 0;
        const cache: Record<string, number> = {};
        const t0 = performance.now();
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            while (sent < REQUESTS) {
              const i = sent++;
              const app = apps[i % 3]!;
              if (WRITE_RATIO > 0 && random() < WRITE_RATIO) {
                const id = next();
                await gql(
                  app,
                  `mutation { updateCar(id: ${id}, input: { dailyPrice: ${1000 + i} }) { id } }`,
                  undefined,
                  {
                    authorization: ADMIN,
                  },
                );
                continue;
              }
              const { query, variables } = operation(next());
              const reply = await gql(app, query, variables);
              if (reply.status !== 200 || reply.body.errors) errors++;
              cache[reply.cache ?? 'none'] = (cache[reply.cache ?? 'none'] ?? 0) + 1;
            }
          }),
        );
        const seconds = (performance.now() - t0) / 1000;
        const result = { reads: await carReads(db), requests: REQUESTS, errors, seconds, cache };
        results[name] = result;
        console.log(`${name}: ${JSON.stringify(result)}`);
        return result;
      } finally {
        await Promise.all(apps.map((a) => a.stop()));
      }
    }

    it(`${REQUESTS} Zipf-distributed catalogue queries over 3 instances: reads without and with the cache`, async () => {
      const without = await run('without cache', { CACHE_ENABLED: '0', GRAPHQL_RESULT_CACHE: '0' });
      const withCache = await run('with the result cache', {});
      expect(without.errors).toBe(0);
      expect(withCache.errors).toBe(0);
      const reduction = 1 - withCache.reads / without.reads;
      console.log(
        `pg_stat_statements SELECTs on cars: ${without.reads} without cache, ${withCache.reads} with it: ` +
          `${(reduction * 100).toFixed(1)} % fewer (write ratio ${WRITE_RATIO})`,
      );
      expect(reduction).toBeGreaterThan(0.6);
    });
  },
  ['cluster'],
);
