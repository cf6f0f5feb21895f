// Benchmark scenarios: one entry per route under /bench (mounted with BENCH_ROUTES=1).
// `requests` is an autocannon request list; `setup(baseUrl)` runs once before the scenario's rounds.
import { randomUUID } from 'node:crypto';

/** The one key of the replay scenario (stored by its setup, kept 10 minutes). */
const REPLAY_KEY = `bench-replay-${randomUUID()}`;

/** @type {{ scenario: string, method?: string, path: string, headers?: Record<string,string>, body?: string, requests?: object[], setup?: (baseUrl: string) => Promise<void> }[]} */
export const scenarios = [
  { scenario: 'plain', path: '/bench/plain' },
  // --- idempotency (issue 5): first call = claim + complete (2 Redis calls), replay = 1 claim ---
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
  // lock (issue 3): @WithLock acquire + release on a fresh id per request (no contention): 2 round trips
  // (Lua calls/req = 2; redis calls/req also counts the 5 commands run inside the two scripts).
  {
    scenario: 'locked',
    method: 'POST',
    path: '/bench/locked/x',
    requests: [{ setupRequest: (req) => ({ ...req, path: `/bench/locked/${freshKey()}` }) }],
  },
  // --- data-structure features (issue 8): 1 Lua call per event; ZRANGE + ZCARD per page; 1 Lua call per standing ---
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

let visitorSeq = 0;

/** A fresh UUID per request (first-call scenarios). */
export const freshKey = () => randomUUID();
