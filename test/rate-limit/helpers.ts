import type { Cluster, Redis } from 'ioredis';
import { KeyBuilder } from '../../src/platform/redis/key-builder.js';
import type { AppHandle } from '../support/app-process.js';

/** One HTTP exchange, read fully. */
export interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
  app: number;
}

/** A request to app `i % apps.length` (round robin); `connection: close` leaves no pooled socket behind. */
export async function call(
  apps: AppHandle[],
  i: number,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<Reply> {
  const app = i % apps.length;
  const res = await fetch(apps[app]!.url + path, {
    method: init.method ?? 'GET',
    headers: {
      connection: 'close',
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (the /metrics text format)
  }
  return { status: res.status, headers: res.headers, body, app };
}

/** Runs `count` calls with at most `concurrency` in flight; results in call order. */
export async function burst<T>(
  count: number,
  concurrency: number,
  fn: (i: number) => Promise<T>,
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await fn(i);
      }
    }),
  );
  return results;
}

/** Counts per status code. */
export function statusCounts(replies: Reply[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const r of replies) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

/** The Redis key the app uses for `policy` on a probe route, for the tracker of a bearer token or an IP. */
export function probeKey(
  prefix: string,
  who: { sub: string } | { ip: string },
  policy: string,
  algorithm: 's' | 'f' | 't',
  handler: string,
): string {
  const tracker = 'sub' in who ? `p:${who.sub}` : `ip:${who.ip}`;
  return new KeyBuilder(prefix).tagged(
    'rl',
    [tracker],
    policy,
    algorithm,
    `RateLimitProbeController.${handler}`,
  );
}

/** `INFO commandstats` calls per command, summed over the masters. */
export async function commandCalls(client: Redis | Cluster): Promise<Map<string, number>> {
  const nodes = 'nodes' in client ? client.nodes('master') : [client];
  const calls = new Map<string, number>();
  for (const node of nodes) {
    const info = await node.info('commandstats');
    for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      calls.set(m[1]!, (calls.get(m[1]!) ?? 0) + Number(m[2]));
    }
  }
  return calls;
}

/**
 * Commands that are not request traffic: the test's own INFO, Cluster topology refreshes, connection
 * handshakes (`client|setname` of a connection opened lazily), replicas' `replconf ack`.
 */
const HOUSEKEEPING = new Set([
  'info',
  'cluster',
  'ping',
  'client',
  'hello',
  'select',
  'command',
  'readonly',
  'auth',
  'replconf',
]);

/**
 * Per-command deltas between two snapshots, housekeeping left out, zeros dropped. EVAL and EVALSHA are
 * summed as `scripts`: ioredis sends EVAL on a connection's first use of a script, EVALSHA afterwards,
 * one round trip either way.
 */
export function delta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [cmd, n] of after) {
    const d = n - (before.get(cmd) ?? 0);
    if (d === 0 || HOUSEKEEPING.has(cmd.split('|')[0]!)) continue;
    const name = cmd === 'eval' || cmd === 'evalsha' ? 'scripts' : cmd;
    out[name] = (out[name] ?? 0) + d;
  }
  return out;
}

/** A value of a Prometheus sample line of `/metrics`, summed over the lines that carry all `labels`. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) total += Number(m[3]);
  }
  return total;
}
