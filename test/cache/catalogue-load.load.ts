// Cache acceptance, the read-heavy run: 10,000 skewed requests over the 1,000 cars, through 3 processes
// with the cache, then through one process with caching switched off, counting database queries.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { startApp, startApps, type AppHandle } from '../support/app-process.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { describeEachTopology } from '../support/topologies.js';
import { randomPrefix } from './cache-instances.js';

/** `catalogue_db_queries_total`, summed over the processes. */
async function dbQueries(apps: AppHandle[]): Promise<number> {
  let sum = 0;
  for (const app of apps) {
    const text = await (await fetch(`${app.url}/metrics`)).text();
    for (const m of text.matchAll(/^catalogue_db_queries_total\{operation="(find|list)"\} (\d+)/gm))
      sum += Number(m[2]);
  }
  return sum;
}

/** Deterministic skewed traffic: ids drawn from a Zipf(s) law over 1..n (rank 1 hottest). */
function zipf(n: number, s: number, seed: number): () => number {
  const cdf: number[] = [];
  let total = 0;
  for (let k = 1; k <= n; k++) cdf.push((total += 1 / k ** s));
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31; // a small LCG: the same sequence every run
    const u = (state / 2 ** 31) * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}

/** Runs `paths` with `concurrency` requests in flight, round-robin over `apps`. */
async function drive(apps: AppHandle[], paths: string[], concurrency: number): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < paths.length) {
        const i = next++;
        const res = await fetch(`${apps[i % apps.length]!.url}${paths[i]}`);
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    }),
  );
  return statuses;
}

describeEachTopology(
  'Catalogue read-heavy run',
  (redis) => {
    let apps: AppHandle[];
    let databaseUrl: string;
    const prefix = randomPrefix();
    const env = () => ({
      ...redis().env,
      REDIS_KEY_PREFIX: prefix,
      DATABASE_URL: databaseUrl,
      // A global rate limiter is being built elsewhere: keep it out of the way of this load.
      RATE_LIMIT_DEFAULT: '1000000/60s',
    });

    beforeAll(async () => {
      databaseUrl = await createTestDatabase();
      apps = await startApps(3, { env: env() });
    }, 90_000);

    afterAll(async () => {
      await Promise.all((apps ?? []).map((a) => a.stop()));
    }, 30_000);

    it('a skewed read-heavy run of 10,000 requests reads the database at least 90 % less than without cache', async () => {
      const carId = zipf(1000, 1.1, 42);
      const page = zipf(50, 1.1, 7);
      const paths = Array.from({ length: 10_000 }, (_, i) =>
        i % 10 === 9 ? `/catalogue/cars?page=${page()}&limit=20` : `/catalogue/cars/${carId()}`,
      );
      const before = await dbQueries(apps);
      const started = Date.now();
      const cached = await drive(apps, paths, 32);
      const cachedMs = Date.now() - started;
      const withCache = (await dbQueries(apps)) - before;

      // The same traffic against a process with caching switched off, on the same database.
      const off = await startApp({ env: { ...env(), CACHE_ENABLED: '0' } });
      try {
        const offBefore = await dbQueries([off]);
        const t0 = Date.now();
        const uncached = await drive([off], paths, 32);
        const offMs = Date.now() - t0;
        const withoutCache = (await dbQueries([off])) - offBefore;
        const reduction = 1 - withCache / withoutCache;
        console.log(
          `[cache] 10,000 skewed requests: ${withCache} database queries with the cache (3 processes, ${cachedMs} ms) ` +
            `vs ${withoutCache} without (${offMs} ms): ${(reduction * 100).toFixed(1)} % fewer`,
        );
        expect(cached.get(200)).toBe(10_000);
        expect(uncached.get(200)).toBe(10_000);
        expect(reduction).toBeGreaterThanOrEqual(0.9);
      } finally {
        await off.stop();
      }
    }, 90_000);
  },
  ['standalone'],
);
