// What public writes can make Redis keep is bounded (leaderboards, analytics).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { startApp, type AppHandle } from '../support/app-process.js';
import { authHeader } from '../support/auth.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { startRedis, type RedisHandle } from '../support/redis-standalone.js';
import {
  CountersModule,
  DailyCountersService,
  dayOf,
  OVERFLOW_SUBJECT,
} from '../../src/platform/counters/index.js';
import { RedisModule } from '../../src/platform/redis/index.js';

const MAX_MEMBERS = 50;
const MAX_BOARDS = 3;
const MAX_PATHS = 100;
const DISTINCT_PATHS = 100_000;

/** Every key under the app's prefix (SCAN: the test's own reading, never the app's). */
async function keysOf(client: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    found.push(...batch);
  } while (cursor !== '0');
  return found;
}

describe('bounds on what public writes make Redis keep', () => {
  let redis: RedisHandle;
  let app: AppHandle;
  let client: Redis;
  const prefix = `b${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    redis = await startRedis({ aof: false });
    client = redis.client();
    app = await startApp({
      env: {
        ...redis.env,
        DATABASE_URL: await createTestDatabase(),
        REDIS_KEY_PREFIX: prefix,
        RATE_LIMIT_DEFAULT: '100000000/60s',
        LEADERBOARD_MAX_MEMBERS: String(MAX_MEMBERS),
        LEADERBOARD_MAX_BOARDS: String(MAX_BOARDS),
        ANALYTICS_MAX_PATHS_PER_DAY: String(MAX_PATHS),
      },
    });
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    await redis?.stop();
  });

  const put = (board: string, member: string, body: Record<string, number>) =>
    fetch(`${app.url}/leaderboards/${board}/members/${member}`, {
      method: 'PUT',
      // Leaderboard writes are the admin role's.
      headers: { Authorization: authHeader('ops', { roles: ['admin'] }), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('a board never holds more than LEADERBOARD_MAX_MEMBERS: the lowest scores are trimmed', async () => {
    const board = 'season';
    const scores = new Map<string, number>();
    let seed = 14;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let maxSeen = 0;
    for (let batch = 0; batch < 30; batch++) {
      // 20 writers at once, each a new member: sets and increments (from 0).
      await Promise.all(
        Array.from({ length: 20 }, async (_, k) => {
          const i = batch * 20 + k;
          const member = `m${String(i).padStart(3, '0')}`;
          const value = Math.floor(random() * 1000);
          const res = await put(board, member, i % 3 === 0 ? { increment: value } : { score: value });
          expect(res.status).toBe(200);
          scores.set(member, value);
        }),
      );
      maxSeen = Math.max(maxSeen, await client.zcard(`${prefix}:lb:${board}`));
    }
    expect(maxSeen).toBe(MAX_MEMBERS);
    const res = await fetch(`${app.url}/leaderboards/${board}?limit=100`, {
      headers: { Authorization: authHeader('alice') },
    });
    const page = (await res.json()) as { items: { member: string; score: number }[]; total: number };
    expect(page.total).toBe(MAX_MEMBERS);
    // Exactly the top MAX_MEMBERS of everything written (highest score first, ties by name).
    const top = [...scores]
      .sort(([ma, a], [mb, b]) => b - a || (ma < mb ? -1 : 1))
      .slice(0, MAX_MEMBERS)
      .map(([member, score]) => ({ member, score }));
    expect(page.items.map(({ member, score }) => ({ member, score }))).toEqual(top);
  }, 60_000);

  it('at most LEADERBOARD_MAX_BOARDS boards: a new one past it is 409 problem+json, the others still work', async () => {
    // 'season' exists from the test above.
    expect((await put('b1', 'x', { score: 1 })).status).toBe(200);
    expect((await put('b2', 'x', { score: 1 })).status).toBe(200);
    const refused = await put('b3', 'x', { score: 1 });
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await refused.json()).toMatchObject({ type: 'too-many-boards', status: 409 });
    expect((await put('b1', 'y', { increment: 2 })).status).toBe(200);
    expect(await client.exists(`${prefix}:lb:b3`)).toBe(0);
    expect(await client.scard(`${prefix}:lb:meta:boards`)).toBe(MAX_BOARDS);
  });

  it('analytics over HTTP: paths past ANALYTICS_MAX_PATHS_PER_DAY are counted under the overflow key', async () => {
    const post = (path: string) =>
      fetch(`${app.url}/analytics/events`, {
        method: 'POST',
        headers: { Authorization: authHeader('alice'), 'content-type': 'application/json' },
        body: JSON.stringify({ path, visitorId: 'v1' }),
      });
    for (let i = 0; i < 3 * MAX_PATHS; i += 20)
      await Promise.all(
        Array.from({ length: 20 }, async (_, k) => expect((await post(`/h/${i + k}`)).status).toBe(202)),
      );
    // Normalised: these count as /h/0 (admitted), not as new paths.
    for (const variant of ['/h//0', '/h/0/', '/h/0#top']) expect((await post(variant)).status).toBe(202);
    const stats = await fetch(`${app.url}/analytics/pages?path=${encodeURIComponent('/h/0/')}`, {
      headers: { Authorization: authHeader('alice') },
    });
    expect(await stats.json()).toMatchObject({ path: '/h/0', views: 4 });
    expect((await post(`/${'x'.repeat(600)}`)).status).toBe(400);
    const keys = (await keysOf(client, `${prefix}:counter`)).concat(await keysOf(client, `${prefix}:hll`));
    expect(keys.length).toBe(2 * (MAX_PATHS + 1) + 1);
    for (const k of keys) expect(await client.ttl(k)).toBeGreaterThan(0);
  }, 60_000);

  it(`analytics: ${DISTINCT_PATHS} distinct paths in a day keep the key count bounded`, async () => {
    // The bound is DailyCountersService's (the controller above only normalises and validates); driven
    // in process, so 100,000 events take seconds instead of minutes of HTTP on a shared machine.
    const bprefix = `c${randomBytes(4).toString('hex')}`;
    const moduleRef = await Test.createTestingModule({
      imports: [
        RedisModule.forRoot({ mode: 'standalone', url: redis.url, keyPrefix: bprefix }),
        CountersModule.forRoot({ retentionDays: 90, maxSubjectsPerDay: MAX_PATHS }),
      ],
    }).compile();
    await moduleRef.init();
    const counters = moduleRef.get(DailyCountersService);
    const started = performance.now();
    try {
      for (let i = 0; i < DISTINCT_PATHS; i += 500)
        await Promise.all(
          Array.from({ length: 500 }, (_, k) => counters.record('pages', `/p/${i + k}`, `v${k}`)),
        );
    } finally {
      await moduleRef.close();
    }
    const seconds = (performance.now() - started) / 1000;
    const keys = (await keysOf(client, `${bprefix}:counter`)).concat(await keysOf(client, `${bprefix}:hll`));
    // Per day: counter + HyperLogLog per admitted path, the overflow pair, and the set of admitted paths.
    expect(keys.length).toBe(2 * (MAX_PATHS + 1) + 1);
    const overflow = counters.counterKey('pages', OVERFLOW_SUBJECT, dayOf(new Date()));
    expect(Number(await client.get(overflow))).toBe(DISTINCT_PATHS - MAX_PATHS);
    for (const k of keys) expect(await client.ttl(k)).toBeGreaterThan(0);
    console.log(
      `analytics bound: ${DISTINCT_PATHS} distinct paths in ${seconds.toFixed(1)} s -> ${keys.length} keys`,
    );
  }, 120_000);
});
