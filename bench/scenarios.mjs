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
  // --- queue (issue 7): one enqueue = 1 Lua call (BullMQ's addStandardJob); nothing processes this queue ---
  { scenario: 'queue-enqueue', method: 'POST', path: '/bench/enqueue' },
  // --- end queue ---
];

/** A fresh UUID per request (first-call scenarios). */
export const freshKey = () => randomUUID();
