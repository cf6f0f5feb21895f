// Rate-limit configuration on built app processes (standalone Redis): TRUST_PROXY hops, the setting other
// specs use to stay out of the way (RATE_LIMIT_DEFAULT=1000000/60s), bench mode without a global limit,
// and a bad RATE_LIMIT_<NAME> stopping the boot with one line.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { startApp, type AppHandle } from '../support/app-process.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { describeEachTopology } from '../support/topologies.js';
import { burst, call, metricValue } from './helpers.js';
import { rateLimitItems } from './structured-fields.js';

describeEachTopology(
  'rate limit configuration',
  (redis) => {
    let proxied: AppHandle;
    let bench: AppHandle;
    let databaseUrl: string;

    beforeAll(async () => {
      databaseUrl = await createTestDatabase();
      const env = { ...redis().env, DATABASE_URL: databaseUrl, RATE_LIMIT_PROBE_ROUTES: '1' };
      [proxied, bench] = await Promise.all([
        startApp({
          env: {
            ...env,
            REDIS_KEY_PREFIX: `rl${randomBytes(4).toString('hex')}`,
            TRUST_PROXY: '1',
            RATE_LIMIT_DEFAULT: '1000000/60s',
          },
        }),
        startApp({
          env: { ...env, REDIS_KEY_PREFIX: `rl${randomBytes(4).toString('hex')}`, BENCH_ROUTES: '1' },
        }),
      ]);
    }, 60_000);

    afterAll(async () => {
      await Promise.all([proxied?.stop(), bench?.stop()]);
    });

    it('RATE_LIMIT_DEFAULT=1000000/60s applies to every route', async () => {
      const r = await call([proxied], 0, '/rate-limit/probe/default');
      expect(r.status).toBe(200);
      expect(rateLimitItems(r.headers.get('ratelimit-policy')!).get('default')).toEqual({
        q: 1_000_000,
        w: 60,
      });
      expect(rateLimitItems(r.headers.get('ratelimit')!).get('default')!.r).toBe(999_999);
    });

    it('with TRUST_PROXY=1 the client is the address the proxy appended to X-Forwarded-For', async () => {
      const login = (client: string, username = 'carol') =>
        call([proxied], 0, '/rate-limit/probe/login', {
          method: 'POST',
          body: { username },
          headers: { 'x-forwarded-for': `192.0.2.77, ${client}` },
        });
      for (let i = 0; i < 5; i++) expect((await login('198.51.100.1')).status).toBe(200);
      expect((await login('198.51.100.1')).status).toBe(429);
      expect((await login('198.51.100.2')).status).toBe(200); // another client behind the same proxy
    });

    it('with BENCH_ROUTES=1 there is no global limit: only routes that name a policy are limited', async () => {
      const plain = await call([bench], 0, '/rate-limit/probe/default');
      expect(plain.status).toBe(200);
      expect(plain.headers.get('ratelimit-policy')).toBeNull();
      const throttled = await call([bench], 0, '/bench/throttled');
      expect(throttled.body).toEqual({ ok: true });
      expect(throttled.headers.get('ratelimit-policy')).toBe('"default";q=1000000000;w=60');
      const multi = await call([bench], 0, '/bench/throttled-multi');
      expect([...rateLimitItems(multi.headers.get('ratelimit')!).keys()].sort()).toEqual([
        'default',
        'export',
        'message',
        'upload',
      ]);
    });

    it('Redis over its latency budget: the fallback answers within the budget, no 5xx', async () => {
      const local = async () =>
        metricValue((await call([proxied], 0, '/metrics')).body as string, 'rate_limit_decisions_total', {
          source: 'local',
        });
      const before = await local();
      // A script that keeps Redis busy for 1.5 s: every other command waits behind it.
      const busy = redis().client();
      const blocking = busy.eval(
        "local s = redis.call('TIME') local t repeat t = redis.call('TIME') until (t[1] - s[1]) * 1e6 + (t[2] - s[2]) > 1500000 return 1",
        0,
      );
      await new Promise((r) => setTimeout(r, 100));
      const latencies: number[] = [];
      const replies = await burst(10, 5, async (i) => {
        const started = Date.now();
        const r = await call([proxied], i, '/rate-limit/probe/default-2');
        latencies.push(Date.now() - started);
        return r;
      });
      expect(replies.map((r) => r.status)).toEqual(Array(10).fill(200));
      // The budget is 200 ms (the request client's own timeout, 500 ms, would show as more).
      expect(Math.max(...latencies)).toBeLessThan(450);
      await blocking;
      expect((await local()) - before).toBe(10);
    });

    it('a bad RATE_LIMIT_<NAME> stops the boot with one line naming it', async () => {
      const failed = await startApp({
        env: { ...redis().env, DATABASE_URL: databaseUrl, RATE_LIMIT_EXPORT: '5 per minute' },
      }).then(
        (app) => app.stop().then(() => 'started'),
        (err: Error) => err.message,
      );
      expect(failed).toMatch(
        /configuration error: RATE_LIMIT_EXPORT must look like 5\/60s \(limit\/window with ms, s, m or h\)/,
      );
    });
  },
  ['standalone'],
);
