// Sessions over 2 instances: a warm session costs no Redis command and no SQL query; a logout on one
// instance is seen by the other before the logout answers; random tokens buy no rate-limit budget and add
// no keys; anonymous callers are limited per IP (IPv6 per /64); with Redis down, warm sessions go on and
// cold ones fail closed.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Redis } from 'ioredis';
import { startApp, type AppHandle } from '../support/app-process.js';
import { testToken } from '../support/auth.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { startRedis, type RedisHandle } from '../support/redis-standalone.js';

const get = async (app: AppHandle, path: string, token?: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${app.url}${path}`, {
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
  });
  await res.arrayBuffer();
  return res.status;
};

const post = async (app: AppHandle, path: string, token: string) => {
  const res = await fetch(`${app.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  await res.arrayBuffer();
  return res.status;
};

/** Every command Redis has run (INFO commandstats), less the INFO calls themselves. */
async function redisCalls(client: Redis): Promise<number> {
  const info = await client.info('commandstats');
  let total = 0;
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) if (m[1] !== 'info') total += Number(m[2]);
  return total;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

describe('sessions, revocation and rate-limit identity', () => {
  let redis: RedisHandle;
  let apps: AppHandle[];
  let db: pg.Client;
  let probe: Redis;
  let prefix: string;

  beforeAll(async () => {
    redis = await startRedis();
    prefix = `x${randomBytes(3).toString('hex')}`;
    const url = await createTestDatabase();
    db = new pg.Client({ connectionString: url });
    await db.connect();
    await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const env = {
      ...redis.env,
      REDIS_KEY_PREFIX: prefix,
      DATABASE_URL: url,
      // Nothing in the background: every Redis command and query counted is a request's.
      QUEUE_WORKERS: '0',
      FLAGS_RESYNC_INTERVAL_MS: '3600000',
      BENCH_ROUTES: '1',
      TRUST_PROXY: '1',
      RATE_LIMIT_DEFAULT: '1000000/60s',
    };
    // Two instances for sessions; a third with a small default policy for the rate-limit identity checks.
    apps = await Promise.all([
      startApp({ env }),
      startApp({ env }),
      // (without BENCH_ROUTES, which lifts the global policy)
      startApp({ env: { ...env, RATE_LIMIT_DEFAULT: '5/60s', BENCH_ROUTES: '0' } }),
    ]);
    probe = redis.client();
  }, 90_000);

  afterAll(async () => {
    await Promise.all((apps ?? []).map((a) => a.stop()));
    await db?.end();
    await redis?.stop();
  });

  it('a warm session costs 0 Redis commands and 0 SQL queries per request', async () => {
    const token = testToken('warm-user', { email: 'warm@example.com' });
    expect(await get(apps[0]!, '/bench/authed', token)).toBe(200); // cold: verify, revocation check, upsert
    const sql = async () =>
      Number(
        (
          await db.query(
            "SELECT coalesce(sum(calls), 0) AS n FROM pg_stat_statements WHERE query NOT ILIKE '%pg_stat_statements%'",
          )
        ).rows[0].n,
      );
    const [r0, q0] = [await redisCalls(probe), await sql()];
    for (let i = 0; i < 50; i++) expect(await get(apps[0]!, '/bench/authed', token)).toBe(200);
    const [r1, q1] = [await redisCalls(probe), await sql()];
    process.stdout.write(`warm session: ${r1 - r0} Redis commands, ${q1 - q0} SQL queries for 50 requests\n`);
    expect(r1 - r0).toBe(0);
    expect(q1 - q0).toBe(0);
    const customer = await db.query('SELECT id, email FROM customers WHERE id = $1', ['warm-user']);
    expect(customer.rows).toEqual([{ id: 'warm-user', email: 'warm@example.com' }]);
  });

  it('logout on instance A: the same token is refused on instance B at once (200 repetitions)', async () => {
    const [a, b] = apps as [AppHandle, AppHandle];
    let accepted = 0;
    const logoutMs: number[] = [];
    for (let i = 0; i < 200; i++) {
      const token = testToken(`leaver-${i % 7}`);
      // Warm on both instances, so B would answer from memory if nothing told it.
      expect(await get(a, '/auth/me', token)).toBe(200);
      expect(await get(b, '/auth/me', token)).toBe(200);
      const t0 = performance.now();
      expect(await post(a, '/auth/logout', token)).toBe(204);
      logoutMs.push(performance.now() - t0);
      if ((await get(b, '/auth/me', token)) !== 401) accepted++;
    }
    process.stdout.write(
      `revocation: 200 logouts, ${accepted} accepted afterwards on the other instance; logout (revocation ` +
        `visible everywhere) p50 ${percentile(logoutMs, 50).toFixed(1)} ms, p99 ${percentile(logoutMs, 99).toFixed(1)} ms\n`,
    );
    expect(accepted).toBe(0);
  });

  it("a change of the customer reaches every instance's cached session before the change answers", async () => {
    const [a, b] = apps as [AppHandle, AppHandle];
    const token = testToken('renamer', { email: 'renamer@example.com' });
    const me = async (app: AppHandle) =>
      (await (
        await fetch(`${app.url}/auth/me`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { customer: { name: string | null; email: string } };
    expect((await me(a)).customer).toMatchObject({ name: null, email: 'renamer@example.com' });
    expect((await me(b)).customer.name).toBeNull(); // warm on both
    for (const name of ['Ren', 'Ren Amer', 'R. Amer']) {
      const res = await fetch(`${a.url}/customers/me`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
      expect(res.status).toBe(200);
      expect((await me(b)).customer.name).toBe(name);
    }
  });

  it('200 requests with new random bearer tokens: 200 x 401 and no new rate-limit key', async () => {
    const rlKeys = async () => (await probe.keys(`${prefix}:rl:*`)).length;
    const before = await rlKeys();
    const statuses = await Promise.all(
      Array.from({ length: 200 }, () =>
        get(apps[2]!, '/catalogue/cars?limit=1', randomBytes(24).toString('base64url')),
      ),
    );
    expect(statuses.filter((s) => s === 401)).toHaveLength(200);
    expect(await rlKeys()).toBe(before);
  });

  it('anonymous callers are limited per client IP (IPv6 per /64); a verified caller has a budget of its own', async () => {
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    const burst = async (ip: string, n: number, token?: string) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push(await get(apps[2]!, '/catalogue/cars?limit=1', token, from(ip)));
      return out;
    };
    expect(await burst('203.0.113.7', 6)).toEqual([200, 200, 200, 200, 200, 429]);
    // Another address has its own budget; the same /64 shares one.
    expect(await burst('2001:db8:0:1::1', 3)).toEqual([200, 200, 200]);
    expect(await burst('2001:db8:0:1::2', 3)).toEqual([200, 200, 429]);
    expect(await burst('2001:db8:0:2::1', 1)).toEqual([200]);
    // A verified customer behind the exhausted address is tracked by sub.
    expect(await burst('203.0.113.7', 1, testToken('limited-user'))).toEqual([200]);
  });

  it('Redis down: warm sessions keep answering, cold ones and logouts fail closed (503), bad tokens stay 401', async () => {
    const warm = testToken('outage-warm');
    const cold = testToken('outage-cold');
    expect(await get(apps[0]!, '/auth/me', warm)).toBe(200);
    await redis.kill();
    try {
      expect(await get(apps[0]!, '/auth/me', warm)).toBe(200);
      expect(await get(apps[0]!, '/auth/me', cold)).toBe(503);
      expect(await post(apps[0]!, '/auth/logout', warm)).toBe(503);
      expect(await get(apps[0]!, '/auth/me', 'forged.token.value')).toBe(401);
    } finally {
      await redis.start();
    }
  });
});
