import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { authHeader } from '../support/auth.js';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { startApp, type AppHandle } from '../support/app-process.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { startRedis, type RedisHandle } from '../support/redis-standalone.js';

const ADMIN = 'metrics-admin-token-0123456789';

/** Every metric family the app exposes, by the area that records it. */
const FAMILIES = {
  http: ['http_request_duration_seconds'],
  redis: ['redis_command_duration_seconds', 'redis_command_errors_total'],
  redisInfo: [
    'redis_used_memory_bytes',
    'redis_mem_fragmentation_ratio',
    'redis_connected_clients',
    'redis_instantaneous_ops_per_second',
    'redis_keyspace_hits_total',
    'redis_keyspace_misses_total',
  ],
  cache: ['cache_hits_total', 'cache_misses_total', 'cache_stale_total'],
  lock: ['lock_acquisitions_total', 'lock_acquire_wait_seconds', 'lock_contended_total', 'lock_lost_total'],
  rateLimit: ['rate_limit_decisions_total'],
  idempotency: ['idempotency_requests_total'],
  queue: ['queue_jobs', 'queue_jobs_completed_total', 'queue_jobs_failed_total'],
};

interface Family {
  name: string;
  type: string;
  metrics: { labels?: Record<string, string>; value?: string; buckets?: Record<string, string> }[];
}

describe('GET /metrics', () => {
  let redis: RedisHandle;
  let app: AppHandle;
  let families: Map<string, Family>;
  let text: string;

  beforeAll(async () => {
    redis = await startRedis();
    app = await startApp({
      env: {
        ...redis.env,
        DATABASE_URL: await createTestDatabase(),
        ADMIN_TOKEN: ADMIN,
        RATE_LIMIT_DEFAULT: '1000/60s',
      },
    });
    // Exercise each decorator once so its series exist.
    await fetch(`${app.url}/catalogue/cars/1`);
    await fetch(`${app.url}/catalogue/cars/1`);
    const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
    await fetch(`${app.url}/bookings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: authHeader('c1') },
      body: JSON.stringify({ carId: 'm1', startDate: day(3), endDate: day(5) }),
    });
    await fetch(`${app.url}/payments`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': 'metrics-1',
        authorization: authHeader('c1'),
      },
      body: JSON.stringify({ amount: 100, currency: 'usd' }),
    });
    const res = await fetch(`${app.url}/metrics`);
    expect(res.status).toBe(200);
    text = await res.text();
    const parsed = parsePrometheusTextFormat(text) as Family[];
    families = new Map(parsed.map((f) => [f.name, f]));
  });

  afterAll(async () => {
    await app?.stop();
    await redis?.stop();
  });

  it.each(Object.entries(FAMILIES))('exposes the %s families', (_area, names) => {
    const missing = names.filter((n) => !families.has(n));
    expect(missing).toEqual([]);
  });

  it('follows Prometheus naming: counters end in _total, durations in _seconds', () => {
    for (const f of families.values()) {
      if (f.type === 'COUNTER') expect(f.name).toMatch(/_total$/);
      if (/duration|latency|wait/.test(f.name) && f.type === 'HISTOGRAM') expect(f.name).toMatch(/_seconds$/);
    }
  });

  it('records the requests it served, by route template and status', () => {
    // The parser folds a labelled histogram's series into one, so the label sets are read from the text.
    const series = [...text.matchAll(/^http_request_duration_seconds_count\{([^}]*)\} (\d+)/gm)].map((m) =>
      Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]])),
    );
    const routes = new Set(series.map((l) => `${l.route} ${l.status}`));
    expect(routes).toContain('/catalogue/cars/:id 200');
    expect(routes).toContain('/bookings 201');
    expect(routes).toContain('/payments 201');
  });

  it('reads Redis INFO at scrape time', () => {
    const used = Number(families.get('redis_used_memory_bytes')!.metrics[0]!.value);
    expect(used).toBeGreaterThan(100_000);
    expect(Number(families.get('redis_connected_clients')!.metrics[0]!.value)).toBeGreaterThanOrEqual(1);
  });
});

describe('GET /admin/redis/metrics', () => {
  let redis: RedisHandle;
  let app: AppHandle;

  beforeAll(async () => {
    redis = await startRedis();
    app = await startApp({
      env: { ...redis.env, DATABASE_URL: await createTestDatabase(), ADMIN_TOKEN: ADMIN },
    });
  });

  afterAll(async () => {
    await app?.stop();
    await redis?.stop();
  });

  it('answers 401 problem+json without the token', async () => {
    const res = await fetch(`${app.url}/admin/redis/metrics`);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const wrong = await fetch(`${app.url}/admin/redis/metrics`, {
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.status).toBe(401);
  });

  it('answers the summary with the token', async () => {
    const res = await fetch(`${app.url}/admin/redis/metrics`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ role: 'master', nodes: 1 });
    expect(body.memory).toMatchObject({
      usedBytes: expect.any(Number),
      fragmentationRatio: expect.any(Number),
    });
    for (const field of [
      'hitRate',
      'opsPerSecond',
      'connectedClients',
      'keyspace',
      'uptimeSeconds',
      'pingMs',
    ]) {
      expect(body).toHaveProperty(field);
    }
  });
});
