// Benchmark scenarios: one entry per route under /bench (mounted with BENCH_ROUTES=1).
// `requests` is an autocannon request list; `setup(baseUrl)` runs once before the scenario's rounds.
import { randomUUID } from 'node:crypto';

/** @type {{ scenario: string, method?: string, path: string, headers?: Record<string,string>, body?: string, requests?: object[], setup?: (baseUrl: string) => Promise<void> }[]} */
export const scenarios = [
  { scenario: 'plain', path: '/bench/plain' },
  // lock (issue 3): @WithLock acquire + release on a fresh id per request (no contention): 2 round trips
  // (2 EVALSHA; the runner's calls/req also counts the 5 commands inside the two scripts).
  {
    scenario: 'locked',
    method: 'POST',
    path: '/bench/locked/x',
    requests: [{ setupRequest: (req) => ({ ...req, path: `/bench/locked/${freshKey()}` }) }],
  },
];

/** A fresh UUID per request (first-call scenarios). */
export const freshKey = () => randomUUID();
