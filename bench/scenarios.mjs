// Benchmark scenarios: one entry per route under /bench (mounted with BENCH_ROUTES=1).
// `requests` is an autocannon request list; `setup(baseUrl)` runs once before the scenario's rounds.
import { randomUUID } from 'node:crypto';

/** @type {{ scenario: string, method?: string, path: string, headers?: Record<string,string>, body?: string, requests?: object[], setup?: (baseUrl: string) => Promise<void> }[]} */
export const scenarios = [
  { scenario: 'plain', path: '/bench/plain' },
  // rate limit: one policy, then four policies (still one Redis call per request)
  { scenario: 'throttled', path: '/bench/throttled' },
  { scenario: 'throttled-multi', path: '/bench/throttled-multi' },
];

/** A fresh UUID per request (first-call scenarios). */
export const freshKey = () => randomUUID();
