// Benchmark scenarios: one entry per route under /bench (mounted with BENCH_ROUTES=1).
// `requests` is an autocannon request list; `setup(baseUrl)` runs once before the scenario's rounds.
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { BENCH_AUTH_SECRET } from './harness.mjs';

/** A verified token for the `authed` scenario (its session is warm after the warm-up). */
const BENCH_TOKEN = await new SignJWT({ email: 'bench@example.com' })
  .setProtectedHeader({ alg: 'HS256' })
  .setSubject('bench-user')
  .setIssuedAt()
  .setExpirationTime('2h')
  .sign(Buffer.from(BENCH_AUTH_SECRET));

/** The one key of the replay scenario (stored by its setup, kept 10 minutes). */
const REPLAY_KEY = `bench-replay-${randomUUID()}`;

/** @type {{ scenario: string, method?: string, path: string, headers?: Record<string,string>, body?: string, requests?: object[], setup?: (baseUrl: string) => Promise<void> }[]} */
export const scenarios = [
  { scenario: 'plain', path: '/bench/plain' },
  // GraphQL: a catalogue query served by the operation result cache (an L1 hit once warm, no resolver runs)
  {
    scenario: 'graphql-cached',
    method: 'POST',
    path: '/graphql',
    body: JSON.stringify({
      query: 'query Car($id: Int!) { car(id: $id) { id make model year dailyPrice currency available } }',
      variables: { id: 7 },
    }),
  },
  // identity: a verified token with a warm session (0 Redis commands, 0 SQL queries per request)
  { scenario: 'authed', path: '/bench/authed', headers: { authorization: `Bearer ${BENCH_TOKEN}` } },
  // rate limit: one policy, then four policies (still one Redis call per request)
  { scenario: 'throttled', path: '/bench/throttled' },
  { scenario: 'throttled-multi', path: '/bench/throttled-multi' },
  // --- idempotency: first call = claim + complete (2 Redis calls), replay = 1 claim ---
  {
    scenario: 'idempotent-first',
    method: 'POST',
    path: '/bench/idempotent',
    requests: [
      {
        method: 'POST',
        body: JSON.stringify({ amount: 4999 }),
        setupRequest: (req) => ({ ...req, headers: { ...req.headers, 'idempotency-key': freshKey() } }),
      },
    ],
  },
  {
    scenario: 'idempotent-replay',
    method: 'POST',
    path: '/bench/idempotent',
    headers: { 'idempotency-key': REPLAY_KEY },
    body: JSON.stringify({ amount: 4999 }),
    setup: async (baseUrl) => {
      const res = await fetch(`${baseUrl}/bench/idempotent`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': REPLAY_KEY },
        body: JSON.stringify({ amount: 4999 }),
      });
      if (res.status !== 201) throw new Error(`idempotent-replay setup: ${res.status} ${await res.text()}`);
    },
  },
  // --- end idempotency ---
  // lock: @WithLock acquire + release on a fresh id per request (no contention): 2 round trips
  // (Lua calls/req = 2; redis calls/req also counts the 5 commands run inside the two scripts).
  {
    scenario: 'locked',
    method: 'POST',
    path: '/bench/locked/x',
    requests: [{ setupRequest: (req) => ({ ...req, path: `/bench/locked/${freshKey()}` }) }],
  },
  // --- cache: an L1 hit costs 0 Redis calls, an L2 hit 1 GET. The L2 scenario spreads over
  // 1,000 warmed keys: on one hot key, concurrent requests would share one GET (in-process coalescing).
  { scenario: 'cached-l1', path: '/bench/cached', setup: (baseUrl) => warm(baseUrl, ['/bench/cached']) },
  {
    scenario: 'cached-l2',
    path: '/bench/cached-l2?k=1',
    requests: [
      {
        setupRequest: (req) => ({
          ...req,
          path: `/bench/cached-l2?k=${1 + Math.floor(Math.random() * L2_KEYS)}`,
        }),
      },
    ],
    setup: (baseUrl) =>
      warm(
        baseUrl,
        Array.from({ length: L2_KEYS }, (_, i) => `/bench/cached-l2?k=${i + 1}`),
      ),
  },
  // --- end cache ---
  // --- queue: one enqueue = 1 Lua call (BullMQ's addStandardJob); nothing processes this queue ---
  { scenario: 'queue-enqueue', method: 'POST', path: '/bench/enqueue' },
  // --- end queue ---
  // --- data-structure features: 1 Lua call per event; ZRANGE + ZCARD per page; 1 Lua call per standing ---
  {
    scenario: 'analytics-event',
    method: 'POST',
    path: '/analytics/events',
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({ path: '/bench', visitorId: `v${(visitorSeq++ % 10_000).toString(36)}` }),
        }),
      },
    ],
  },
  {
    scenario: 'leaderboard-top10',
    path: '/leaderboards/bench?limit=10&offset=100',
    setup: async (baseUrl) => {
      for (let i = 0; i < 1_000; i += 50) {
        await Promise.all(
          Array.from({ length: 50 }, async (_, j) => {
            const res = await fetch(`${baseUrl}/leaderboards/bench/members/m${i + j}`, {
              method: 'PUT',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ score: (i + j) % 97 }),
            });
            if (res.status !== 200) throw new Error(`leaderboard setup: ${res.status} ${await res.text()}`);
          }),
        );
      }
    },
  },
  { scenario: 'leaderboard-standing', path: '/leaderboards/bench/members/m500' },
  // --- end data-structure features ---
];

/** Keys of the L2 scenario. */
const L2_KEYS = 1000;

/** One request per path (50 at a time), so the scenario measures hits only. */
async function warm(baseUrl, paths) {
  for (let i = 0; i < paths.length; i += 50) {
    await Promise.all(
      paths.slice(i, i + 50).map(async (path) => {
        const res = await fetch(`${baseUrl}${path}`);
        if (res.status !== 200) throw new Error(`cache bench setup: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      }),
    );
  }
}

let visitorSeq = 0;

/** A fresh UUID per request (first-call scenarios). */
export const freshKey = () => randomUUID();
