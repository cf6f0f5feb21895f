// Cache acceptance on the built app: 3 processes, real Redis (standalone and Cluster), real PostgreSQL.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { startApps, type AppHandle } from '../support/app-process.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { describeEachTopology, type TopologyHandle } from '../support/topologies.js';
import { waitUntil } from '../support/wait.js';
import { randomPrefix } from './cache-instances.js';

const ADMIN = 'admin-token-0123456789';
const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };

interface Answer {
  status: number;
  cache: string | null;
  json: Record<string, unknown> & { dailyPrice?: number; items?: { id: number; dailyPrice: number }[] };
}

async function call(app: AppHandle, path: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(`${app.url}${path}`, init);
  return {
    status: res.status,
    cache: res.headers.get('x-cache'),
    json: (await res.json()) as Answer['json'],
  };
}

const patch = (app: AppHandle, id: number, body: unknown) =>
  call(app, `/catalogue/cars/${id}`, { method: 'PATCH', headers: admin, body: JSON.stringify(body) });

/** `catalogue_db_queries_total`, summed over the processes and operations given. */
async function dbQueries(apps: AppHandle[], operations = ['find', 'list']): Promise<number> {
  let sum = 0;
  for (const app of apps) {
    const text = await (await fetch(`${app.url}/metrics`)).text();
    for (const m of text.matchAll(/^catalogue_db_queries_total\{operation="([a-z]+)"\} (\d+)/gm)) {
      if (operations.includes(m[1]!)) sum += Number(m[2]);
    }
  }
  return sum;
}

async function cacheStats(app: AppHandle) {
  const res = await fetch(`${app.url}/admin/cache/stats`, { headers: admin });
  return (await res.json()) as {
    bus: { state: string; epoch: number };
    invalidationAckMs: { count: number; p50?: number; p99?: number; max?: number };
    invalidationDeliveryMs: { count: number; p50?: number; p99?: number; max?: number };
    namespaces: Record<string, { hits: number; misses: number; stale: number; bypass: number }>;
  };
}

/** Every server of the deployment shuts down (its AOF keeps the data for the restart). */
async function shutdownAll(handle: TopologyHandle): Promise<void> {
  const ports = handle.cluster ? handle.cluster.nodes.map((n) => n.port) : [handle.standalone!.port];
  await Promise.all(
    ports.map(async (port) => {
      const c = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      c.on('error', () => undefined);
      await c.connect();
      await c.call('SHUTDOWN').catch(() => undefined);
      c.disconnect();
    }),
  );
}

describeEachTopology(
  'Catalogue cached over 3 processes',
  (redis, topology) => {
    let apps: AppHandle[];
    let databaseUrl: string;
    const env = () => ({
      ...redis().env,
      REDIS_KEY_PREFIX: prefix,
      DATABASE_URL: databaseUrl,
      ADMIN_TOKEN: ADMIN,
      // A global rate limiter is being built elsewhere: keep it out of the way of these bursts.
      RATE_LIMIT_DEFAULT: '1000000/60s',
    });
    const prefix = randomPrefix();
    const busStates = async () => Promise.all(apps.map(async (a) => (await cacheStats(a)).bus.state));

    beforeAll(async () => {
      databaseUrl = await createTestDatabase();
      apps = await startApps(3, { env: env() });
      await waitUntil(async () => (await busStates()).every((s) => s === 'up'));
    }, 90_000);

    afterAll(async () => {
      await Promise.all((apps ?? []).map((a) => a.stop()));
    }, 30_000);

    it('100 concurrent cold requests for one car over 3 processes: one database query', async () => {
      const car = {
        make: 'Skoda',
        model: 'Octavia',
        year: 2024,
        dailyPrice: 4500,
        currency: 'EUR',
        available: true,
      };
      const created = await call(apps[0]!, '/catalogue/cars', {
        method: 'POST',
        headers: admin,
        body: JSON.stringify(car),
      });
      expect(created.status).toBe(201);
      const id = created.json.id as number;
      const before = await dbQueries(apps, ['find']);
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) => call(apps[i % 3]!, `/catalogue/cars/${id}`)),
      );
      expect(answers.every((a) => a.status === 200 && a.json.id === id && a.json.model === 'Octavia')).toBe(
        true,
      );
      expect((await dbQueries(apps, ['find'])) - before).toBe(1);
      expect(answers.filter((a) => a.cache === 'MISS')).toHaveLength(1);
    });

    it('a write through one process is read through another as soon as it answers, 200 times out of 200', async () => {
      const latencies: number[] = [];
      let stale = 0;
      for (let i = 1; i <= 200; i++) {
        const writer = apps[i % 3]!;
        const reader = apps[(i + 1) % 3]!;
        await call(reader, '/catalogue/cars/7'); // the reader holds car 7 (and, below, its list page)
        await call(reader, '/catalogue/cars?make=Peugeot&limit=1');
        const t0 = performance.now();
        expect((await patch(writer, 7, { dailyPrice: 10_000 + i })).status).toBe(200);
        latencies.push(performance.now() - t0);
        const car = await call(reader, '/catalogue/cars/7');
        const list = await call(reader, '/catalogue/cars?make=Peugeot&limit=1');
        if (car.json.dailyPrice !== 10_000 + i || list.json.items?.[0]?.dailyPrice !== 10_000 + i) stale++;
      }
      expect(stale).toBe(0);
      const stats = await Promise.all(apps.map((a) => cacheStats(a)));
      const acks = stats.map((s) => s.invalidationAckMs);
      const deliveries = stats.map((s) => s.invalidationDeliveryMs);
      latencies.sort((a, b) => a - b);
      console.log(
        `[cache ${topology}] 200 writes, 0 stale reads; PATCH p50 ${latencies[100]!.toFixed(2)} ms, ` +
          `p99 ${latencies[197]!.toFixed(2)} ms; invalidation delivered (one way, ms) ${JSON.stringify(deliveries)}; ` +
          `acknowledged by every instance (ms) ${JSON.stringify(acks)}`,
      );
    }, 60_000);

    it('answers bad input with 400 problem+json and guards writes', async () => {
      for (const path of [
        '/catalogue/cars/abc',
        '/catalogue/cars/0',
        '/catalogue/cars?limit=101',
        '/catalogue/cars?page=x',
      ]) {
        const res = await fetch(`${apps[0]!.url}${path}`);
        expect([path, res.status, res.headers.get('content-type')]).toEqual([
          path,
          400,
          expect.stringContaining('application/problem+json'),
        ]);
      }
      expect((await call(apps[0]!, '/catalogue/cars/99999')).status).toBe(404);
      expect((await patch(apps[1]!, 7, {})).status).toBe(400);
      expect((await patch(apps[1]!, 7, { make: 'Fiat' })).status).toBe(400);
      expect((await patch(apps[1]!, 7, { dailyPrice: -1 })).status).toBe(400);
      const anonymous = await fetch(`${apps[2]!.url}/catalogue/cars/7`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ dailyPrice: 1 }),
      });
      expect(anonymous.status).toBe(401);
      const post = await call(apps[2]!, '/catalogue/cars', {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ make: 'Fiat' }),
      });
      expect(post.status).toBe(400);
    });

    it('GET /admin/cache/stats is admin-only and counts per namespace', async () => {
      expect((await fetch(`${apps[0]!.url}/admin/cache/stats`)).status).toBe(401);
      const stats = await cacheStats(apps[0]!);
      expect(stats.namespaces.catalogue!.hits).toBeGreaterThan(0);
      expect(stats.namespaces.catalogue!.misses).toBeGreaterThan(0);
      const metrics = await (await fetch(`${apps[0]!.url}/metrics`)).text();
      expect(metrics).toMatch(/^cache_hits_total\{namespace="catalogue",tier="l1"\} \d+/m);
      expect(metrics).toMatch(/^cache_misses_total\{namespace="catalogue"\} \d+/m);
    });

    it('with Redis down, cached routes answer from L1, stale or the source (no 5xx); a car patched meanwhile is never served stale once Redis is back', async () => {
      for (const app of apps) await call(app, '/catalogue/cars/9');
      // Killed (SIGKILL) on standalone; on Cluster every node goes down at once.
      if (redis().standalone) await redis().standalone!.kill();
      else await shutdownAll(redis());
      await waitUntil(async () => (await busStates()).every((s) => s === 'down'));

      const during = await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          call(apps[i % 3]!, `/catalogue/cars/${i % 2 ? 9 : 500 + (i % 40)}`),
        ),
      );
      const byCache = new Map<string, number>();
      for (const a of during)
        byCache.set(`${a.status} ${a.cache}`, (byCache.get(`${a.status} ${a.cache}`) ?? 0) + 1);
      console.log(`[cache ${topology}] Redis down, 300 reads:`, JSON.stringify(Object.fromEntries(byCache)));
      expect(during.every((a) => a.status === 200)).toBe(true);

      const old = (await call(apps[1]!, '/catalogue/cars/9')).json.dailyPrice;
      expect((await patch(apps[0]!, 9, { dailyPrice: old! + 1 })).status).toBe(200);

      await redis().restart();
      await waitUntil(async () => (await busStates()).every((s) => s === 'up'), { timeoutMs: 20_000 });
      for (let i = 0; i < 60; i++) {
        const car = await call(apps[i % 3]!, '/catalogue/cars/9');
        expect(car.json.dailyPrice).toBe(old! + 1);
      }
    }, 60_000);
  },
  ['cluster'],
);
