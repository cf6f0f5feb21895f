// Rate-limit acceptance on real Redis (standalone and Cluster) with 3 app processes from the build, requests
// spread round robin. Limits come from the environment (RATE_LIMIT_*) and apply to the test-only probe
// routes (RATE_LIMIT_PROBE_ROUTES=1), which use the real named policies. Keys are per route and tracker,
// so each test uses its own route or its own bearer token (its own principal).
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { startApps, type AppHandle } from '../support/app-process.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { authHeader } from '../support/auth.js';
import { describeEachTopologyAndAdapter } from '../support/adapters.js';
import { waitUntil } from '../support/wait.js';
import {
  burst,
  call,
  commandCalls,
  delta,
  metricValue,
  probeKey,
  statusCounts,
  type Reply,
} from './helpers.js';
import { rateLimitItems } from './structured-fields.js';

const PROBE = '/rate-limit/probe';
const token = () => `t-${randomBytes(8).toString('hex')}`;
// A caller identified by `sub`, with a verified token (rate limits track the verified sub).
const bearer = (sub: string) => ({ authorization: authHeader(sub) });

/** Every header a rate-limited answer carries, parsed as the draft's structured fields. */
function expectRateLimitHeaders(r: Reply, policies: string[]) {
  const policy = rateLimitItems(r.headers.get('ratelimit-policy') ?? '');
  const state = rateLimitItems(r.headers.get('ratelimit') ?? '');
  expect([...policy.keys()].sort()).toEqual([...policies].sort());
  for (const [name, p] of policy) {
    expect(Object.keys(p).sort()).toEqual(['q', 'w']);
    const s = state.get(name);
    if (s) {
      expect(Object.keys(s).sort()).toEqual(['r', 't']);
      expect(s.r).toBeLessThanOrEqual(p.q!);
      const suffix = name === 'default' ? '' : `-${name}`;
      expect(r.headers.get(`x-ratelimit-limit${suffix}`)).toBe(String(p.q));
      expect(r.headers.get(`x-ratelimit-remaining${suffix}`)).toBe(String(s.r));
      expect(r.headers.get(`x-ratelimit-reset${suffix}`)).toBe(String(s.t));
    }
  }
  return { policy, state };
}

/** A 429 is problem+json `quota-exceeded`, and Retry-After is never earlier than `t` of a refusing policy. */
function expectQuotaExceeded(r: Reply, policies: string[]) {
  expect(r.status).toBe(429);
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = r.body as { type: string; status: number; policies: string[] };
  expect(body).toMatchObject({ type: 'quota-exceeded', status: 429 });
  const retryAfter = Number(r.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
  const { state } = expectRateLimitHeaders(r, policies);
  for (const refused of body.policies) expect(retryAfter).toBeGreaterThanOrEqual(state.get(refused)!.t!);
  return { body, retryAfter, state };
}

describeEachTopologyAndAdapter(
  'rate limit acceptance, 3 app processes',
  (redis, topology, adapter) => {
    let apps: AppHandle[] = [];
    let client: Redis | Cluster;
    const prefix = `rl${randomBytes(4).toString('hex')}`;
    /** Loads `sub`'s session on every app (through an unlimited route), so later counts see only limits. */
    const warm = async (sub: string) => {
      for (let i = 0; i < apps.length; i++) {
        expect((await call(apps, i, '/health/live', { headers: bearer(sub) })).status).toBe(200);
      }
    };
    /** When /probe/default, exhausted by the first test, must admit again (its latest Retry-After). */
    let defaultRetryAt = 0;

    beforeAll(async () => {
      client = redis().client();
      apps = await startApps(3, {
        adapter,
        env: {
          ...redis().env,
          DATABASE_URL: await createTestDatabase(),
          REDIS_KEY_PREFIX: prefix,
          RATE_LIMIT_PROBE_ROUTES: '1',
          RATE_LIMIT_DEFAULT: '50/10s',
          RATE_LIMIT_UPLOAD: '10/1s,fixed-window',
          RATE_LIMIT_MESSAGE: '30/60s',
          RATE_LIMIT_EXPORT: '3/60s,fail-closed',
          RATE_LIMIT_LOGIN: '5/60s',
          // The round-trip counts below are exact over every command Redis saw: no idle queue worker
          // polling (BZPOPMIN, moveToActive) and no flag resync tick (HMGET) may land between snapshots.
          QUEUE_WORKERS: '0',
          FLAGS_RESYNC_INTERVAL_MS: '3600000',
          // 3 apps, up to 6 Redis nodes and the test runner share 2 cores: a scheduling delay past the
          // default 200 ms budget would switch to the per-instance fallback and blur the exact counts.
          RATE_LIMIT_REDIS_BUDGET_MS: '2000',
        },
      });
    }, 60_000);

    afterAll(async () => {
      await Promise.all(apps.map((a) => a.stop()));
    }, 30_000);

    it('limit 50 per 10 s, 300 requests over 3 processes: exactly 50 succeed, the rest are 429 with the headers', async () => {
      const started = Date.now();
      const replies = await burst(300, 24, (i) => call(apps, i, `${PROBE}/default`));
      expect(Date.now() - started).toBeLessThan(9_000); // all inside one window, or the count means nothing
      expect(statusCounts(replies)).toEqual({ 200: 50, 429: 250 });
      expect(new Set(replies.filter((r) => r.status === 200).map((r) => r.app)).size).toBeGreaterThan(1);
      for (const r of replies) {
        if (r.status === 200) expectRateLimitHeaders(r, ['default']);
        else expect(expectQuotaExceeded(r, ['default']).body.policies).toEqual(['default']);
      }
      const last = replies.at(-1)!;
      defaultRetryAt = Date.now() + Number(last.headers.get('retry-after')) * 1000;
      expect(Number(last.headers.get('retry-after'))).toBeLessThanOrEqual(11);
    });

    it('keys known to be blocked cost no Redis call until they unblock', async () => {
      const before = await commandCalls(client);
      const replies = await burst(30, 6, (i) => call(apps, i, `${PROBE}/default`));
      const after = await commandCalls(client);
      expect(statusCounts(replies)).toEqual({ 429: 30 });
      expect(delta(before, after)).toEqual({}); // every app learnt the block from its first refusal above
      for (const app of apps) {
        const metrics = (await call([app], 0, '/metrics')).body as string;
        expect(metricValue(metrics, 'rate_limit_decisions_total', { source: 'blocklist' })).toBeGreaterThan(
          0,
        );
      }
    });

    it('two policies (10 per 1 s, 30 per 60 s): a request over either is refused and consumes neither', async () => {
      const t = token();
      const upload = probeKey(prefix, { sub: t }, 'upload', 'f', 'pair');
      const message = probeKey(prefix, { sub: t }, 'message', 's', 'pair');
      const pair = (i: number) => call(apps, i, `${PROBE}/pair`, { headers: bearer(t) });

      // Over `upload` (10 per 1 s): refused, and `message` keeps the 20 it had.
      let i = 0;
      const ok: Reply[] = [];
      let refused: Reply | undefined;
      while (!refused) {
        const r = await pair(i++);
        if (r.status === 200) ok.push(r);
        else refused = r;
      }
      expect(ok).toHaveLength(10);
      const byUpload = expectQuotaExceeded(refused, ['upload', 'message']);
      expect(byUpload.body.policies).toEqual(['upload']);
      expect(byUpload.state.get('message')!.r).toBe(20);
      expect(await client.hget(message, 'c')).toBe('10');
      for (let k = 0; k < 5; k++) expect((await pair(i++)).status).toBe(429);
      expect(await client.hget(message, 'c')).toBe('10');

      // Use up `message` (30 per 60 s) over the next upload windows, waiting as Retry-After says.
      let wait = byUpload.retryAfter;
      let byMessage: ReturnType<typeof expectQuotaExceeded> | undefined;
      while (!byMessage) {
        await new Promise((r) => setTimeout(r, wait * 1000));
        for (;;) {
          const uploadBefore = await client.hgetall(upload);
          const r = await pair(i++);
          if (r.status === 200) continue;
          const refusal = expectQuotaExceeded(r, ['upload', 'message']);
          if (refusal.body.policies.includes('upload')) {
            // `upload` is full for this second (maybe `message` too): wait for upload's own `t`.
            wait = refusal.state.get('upload')!.t!;
          } else {
            // Over `message` while `upload` had room: `upload` is untouched. (An answer from the block
            // list carries the refusing policy's state only.)
            expect(refusal.body.policies).toEqual(['message']);
            const uploadState = refusal.state.get('upload');
            if (uploadState) expect(uploadState.r).toBe(10);
            expect(await client.hgetall(upload)).toEqual(uploadBefore);
            byMessage = refusal;
          }
          break;
        }
      }
      expect(await client.hget(message, 'c')).toBe('30');
    }, 30_000);

    it('a route weight (cost 5 of upload, 10 per 1 s) takes 5 units a request', async () => {
      const t = token();
      const replies: Reply[] = [];
      await warm(t); // the 1 s window must not pass while sessions load
      for (let i = 0; i < 3; i++) replies.push(await call(apps, i, `${PROBE}/heavy`, { headers: bearer(t) }));
      expect(replies.map((r) => r.status)).toEqual([200, 200, 429]);
      expect(replies.map((r) => r.headers.get('x-ratelimit-remaining-upload'))).toEqual(['5', '0', '0']);
    });

    it('one Redis round trip per request whatever the number of policies (1, 2 or 4)', async () => {
      const t = token();
      await warm(t);
      for (const [route, policies] of [
        ['default-2', 1],
        ['pair', 2],
        ['multi', 4],
      ] as const) {
        const before = await commandCalls(client);
        for (let i = 0; i < 3; i++) {
          const r = await call(apps, i, `${PROBE}/${route}`, { headers: bearer(t) });
          expect(r.status).toBe(200);
        }
        // Commands run inside the script are counted too: one TIME per script call proves no other caller,
        // and HMGET/HSET/PEXPIRE once per policy; nothing else reached Redis.
        const n = 3 * policies;
        expect(delta(before, await commandCalls(client))).toEqual({
          scripts: 3,
          time: 3,
          hmget: n,
          hset: n,
          pexpire: n,
        });
      }
    });

    it('GET /rate-limit/status answers remaining and reset per policy in one read-only round trip', async () => {
      const t = token();
      await warm(t);
      for (let i = 0; i < 4; i++) await call(apps, i, `${PROBE}/pair`, { headers: bearer(t) });
      const before = await commandCalls(client);
      const first = await call(apps, 0, '/rate-limit/status', { headers: bearer(t) });
      const second = await call(apps, 1, '/rate-limit/status', { headers: bearer(t) });
      const calls = delta(before, await commandCalls(client));
      // Each status call: the route's own `default` policy (it is limited, being a public read) and one
      // read-only peek at every other policy of the caller.
      expect(calls.scripts).toBe(4);
      expect(calls.hset ?? 0).toBe(2);
      expect(calls.pexpire ?? 0).toBe(2);
      type Status = {
        tracker: string;
        policies: { policy: string; route: string; remaining: number; limit: number }[];
      };
      const entries = (r: Reply) =>
        (r.body as Status).policies.filter((p) => p.route === 'GET /rate-limit/probe/pair');
      expect((first.body as Status).tracker).toBe('principal');
      expect(entries(first).find((p) => p.policy === 'message')).toMatchObject({ limit: 30, remaining: 26 });
      expect(entries(second).find((p) => p.policy === 'message')!.remaining).toBe(26);
      expect(first.headers.get('ratelimit')).toMatch(/^"default";r=\d+;t=\d+$/); // the status route is limited too
    });

    it('tracks the principal, else the client IP; X-Forwarded-For is ignored without TRUST_PROXY', async () => {
      const spoofed = await call(apps, 0, `${PROBE}/default`, {
        headers: { 'x-forwarded-for': '203.0.113.9' },
      });
      expect(spoofed.status).toBe(429);
      const principal = await call(apps, 1, `${PROBE}/default`, { headers: bearer(token()) });
      expect(principal.status).toBe(200);
    });

    it('login: 5 per 60 s per IP and username, and a bearer token does not buy fresh attempts', async () => {
      const login = (i: number, username: string, headers: Record<string, string> = {}) =>
        call(apps, i, `${PROBE}/login`, { method: 'POST', body: { username }, headers });
      const alice = await burst(5, 1, (i) => login(i, 'alice'));
      expect(alice.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      const sixth = await login(5, 'alice');
      expect(expectQuotaExceeded(sixth, ['default', 'login']).body.policies).toEqual(['login']);
      expect((await login(6, 'bob')).status).toBe(200);
      expect((await login(7, '  ALICE ')).status).toBe(429);
      expect((await login(8, 'alice', bearer(token()))).status).toBe(429);
    });

    it('never limits /health/* and /metrics', async () => {
      const replies = await burst(60, 6, (i) => call(apps, i, i % 2 ? '/health/live' : '/metrics'));
      expect(statusCounts(replies)).toEqual({ 200: 60 });
      expect(replies.every((r) => r.headers.get('ratelimit-policy') === null)).toBe(true);
    });

    it('Redis killed mid-test: the fallback keeps answering without 5xx; Redis back, the Redis limiter resumes', async () => {
      const handle = redis();
      // Sessions are verified and cached before the outage: with Redis down a cold token cannot be checked.
      const closedCaller = token();
      for (const sub of [
        closedCaller,
        'probe-resume',
        ...Array.from({ length: 7 }, (_, i) => `outage-${i}`),
      ]) {
        await warm(sub);
      }
      const outage = async () => {
        // 60 requests per app on a fresh route: each app's own limiter admits its 50.
        const replies = await burst(180, 12, (i) => call(apps, i, `${PROBE}/default-2`));
        expect(replies.every((r) => r.status < 500)).toBe(true);
        return replies;
      };
      if (topology === 'standalone') {
        await handle.standalone!.kill();
        const replies = await outage();
        expect(statusCounts(replies)).toEqual({ 200: 150, 429: 30 });
        for (const r of replies.filter((x) => x.status === 429)) expectQuotaExceeded(r, ['default']);
        // A fail-closed policy answers 503 problem+json instead.
        const closed = await call(apps, 0, `${PROBE}/export`, { headers: bearer(closedCaller) });
        expect(closed.status).toBe(503);
        expect(closed.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(closed.headers.get('retry-after')).toBe('1');
        await handle.standalone!.start();
      } else {
        // Every node stops, then starts again (same ports and data); traffic runs through the outage.
        let restarted = false;
        const restart = handle.restart().then(() => (restarted = true));
        const replies: Reply[] = [];
        for (let i = 0; !restarted && i < 2000; i++) {
          const r = await call(apps, i, `${PROBE}/default-2`, { headers: bearer(`outage-${i % 7}`) });
          expect(r.status).toBeLessThan(500);
          replies.push(r);
        }
        await restart;
        const local = await Promise.all(
          apps.map(async (a) =>
            metricValue((await call([a], 0, '/metrics')).body as string, 'rate_limit_decisions_total', {
              source: 'local',
            }),
          ),
        );
        expect(local.reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
      }
      // Each app probes Redis again at most 1 s after its last failure; wait until none is degraded.
      await waitUntil(
        async () => {
          const degraded = await Promise.all(
            apps.map(async (a, i) => {
              await call(apps, i, `${PROBE}/default-2`, { headers: bearer('probe-resume') });
              return metricValue((await call([a], 0, '/metrics')).body as string, 'rate_limit_degraded');
            }),
          );
          return degraded.every((d) => d === 0);
        },
        {
          timeoutMs: 20_000,
          intervalMs: 200,
          message: 'an app stayed on the fallback after Redis came back',
        },
      );
      // Shared state again: one request through each app, one count of 3 in Redis.
      const t = token();
      for (let i = 0; i < 3; i++)
        expect((await call(apps, i, `${PROBE}/default-2`, { headers: bearer(t) })).status).toBe(200);
      const k = probeKey(prefix, { sub: t }, 'default', 's', 'byDefault2');
      expect(await client.hget(k, 'c')).toBe('3');
    }, 60_000);

    it('after the window, /probe/default admits again (Retry-After of the first test was right)', async () => {
      const wait = defaultRetryAt - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const r = await call(apps, 2, `${PROBE}/default`);
      expect(r.status).toBe(200);
      expectRateLimitHeaders(r, ['default']);
    }, 30_000);
  },
  ['standalone', 'cluster'],
);
