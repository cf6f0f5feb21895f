import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { startApp, type AppHandle } from '../support/app-process.js';
import { authHeader } from '../support/auth.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { startRedis, type RedisHandle } from '../support/redis-standalone.js';
import { waitUntil } from '../support/wait.js';

const FILLER = 'oom-spec:filler';

/**
 * Redis at `maxmemory` under `noeviction` (what BullMQ requires): writes are refused by Redis itself.
 * The app answers them 503 problem+json with Retry-After (never 500), keeps serving reads and cache
 * hits, says why in /health/ready, and recovers without a restart once memory is freed.
 */
describe('Redis out of memory (maxmemory reached, noeviction)', () => {
  let redis: RedisHandle;
  let app: AppHandle;
  let client: Redis;

  beforeAll(async () => {
    redis = await startRedis({ aof: false });
    client = redis.client();
    app = await startApp({
      env: { ...redis.env, DATABASE_URL: await createTestDatabase(), RATE_LIMIT_DEFAULT: '1000000/60s' },
    });
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    await redis?.stop();
  });

  const send = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${app.url}${path}`, {
      method,
      headers: {
        // An admin: the writes below include admin-only ones (leaderboards).
        Authorization: authHeader('alice', { roles: ['admin'], email: 'alice@example.com' }),
        'Idempotency-Key': `oom-${Math.random()}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      retryAfter: res.headers.get('retry-after'),
      cache: res.headers.get('x-cache'),
      text,
    };
  };

  const WRITES: [string, string, unknown][] = [
    ['PUT', '/leaderboards/oom/members/bob', { score: 5 }],
    ['POST', '/analytics/events', { path: '/oom-new', visitorId: 'v2' }],
    ['POST', '/payments', { amount: 100, currency: 'usd', customerId: 'cus_oom' }],
    ['POST', '/notifications/email', { to: 'a@example.com', subject: 'hi', body: 'hello' }],
    ['POST', '/uploads/sessions', { fileName: 'a.txt', size: 10, contentType: 'text/plain' }],
  ];

  async function ready() {
    const res = await fetch(`${app.url}/health/ready`);
    return {
      status: res.status,
      body: (await res.json()) as { details: { redis: { memory: Record<string, unknown> } } },
    };
  }

  it('refuses writes with 503 + Retry-After, serves reads and cache hits, says why, and recovers', async () => {
    // Before: a board to read and a cached catalogue page (L2 filled; the L1 copy serves hits anyway).
    expect((await send('PUT', '/leaderboards/oom/members/alice', { score: 7 })).status).toBe(200);
    expect((await send('GET', '/catalogue/cars')).status).toBe(200);

    // Fill Redis to a small maxmemory: 2 MB above what it holds now (the writes after recovery fit in it).
    const used = Number(/^used_memory:(\d+)/m.exec(await client.info('memory'))![1]);
    await client.config('SET', 'maxmemory-policy', 'noeviction');
    await client.config('SET', 'maxmemory', String(used + 2 * 1024 * 1024));
    let filled = 0;
    await expect(
      (async () => {
        for (;;) await client.setrange(FILLER, (filled += 64 * 1024), 'x'.repeat(64 * 1024));
      })(),
    ).rejects.toThrow(/^OOM /);

    const statuses: number[] = [];
    for (const [method, path, body] of WRITES) {
      const r = await send(method, path, body);
      statuses.push(r.status);
      expect({ path, status: r.status, type: r.type }).toEqual({
        path,
        status: 503,
        type: expect.stringMatching(/^application\/problem\+json/),
      });
      expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    // Reads keep working: a board page, a cache hit, flags from memory.
    const board = await send('GET', '/leaderboards/oom');
    expect(board.status).toBe(200);
    expect(JSON.parse(board.text)).toMatchObject({ items: [{ member: 'alice', score: 7 }] });
    const cached = await send('GET', '/catalogue/cars');
    expect(cached.status).toBe(200);
    expect(cached.cache).toMatch(/HIT/);
    expect((await send('GET', '/flags')).status).toBe(200);

    const full = await ready();
    expect(full.body.details.redis.memory).toMatchObject({
      outOfMemory: true,
      writes: expect.stringMatching(/refused/),
    });

    // Memory freed (an operator, or TTLs): the app recovers by itself.
    await client.del(FILLER);
    await waitUntil(async () => (await ready()).body.details.redis.memory.outOfMemory === false, {
      message: '/health/ready did not clear outOfMemory',
      timeoutMs: 10_000,
    });
    for (const [method, path, body] of WRITES) {
      const r = await send(method, path, body);
      expect([path, r.status, r.status >= 200 && r.status < 300, r.text]).toEqual([
        path,
        r.status,
        true,
        r.text,
      ]);
    }
    expect(statuses.filter((s) => s >= 500 && s !== 503)).toEqual([]);
  }, 60_000);
});
