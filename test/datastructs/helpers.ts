// Shared helpers of the data-structure feature specs: app group, HTTP, problem checks, SSE, commandstats.
import { expect } from '@jest/globals';
import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startApp, type AppHandle } from '../support/app-process.js';
import { authHeader } from '../support/auth.js';
import { createTestDatabase } from '../support/pg-shared.js';
import type { TopologyHandle } from '../support/topologies.js';

export const ADMIN_TOKEN = 'datastructs-admin-token-0123456789';
export const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
/** Who these specs call as unless a call names someone: an admin (sees every event, writes boards). */
export const SPEC_CALLER = authHeader('datastructs-spec', { roles: ['admin'] });

/** A started group of app processes sharing one random key prefix. */
export interface AppGroup {
  apps: AppHandle[];
  prefix: string;
  stop(): Promise<void>;
}

/**
 * Starts `count` app processes on `redis` with a fresh database and key prefix; `perApp[i]` adds to the
 * environment of process `i` only.
 */
export async function startGroup(
  redis: TopologyHandle,
  count: number,
  env: Record<string, string> = {},
  perApp: Record<string, string>[] = [],
): Promise<AppGroup> {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const common = {
    ...redis.env,
    REDIS_KEY_PREFIX: prefix,
    DATABASE_URL: await createTestDatabase(),
    ADMIN_TOKEN,
    // The rate limiter must stay out of the way of these bursts (a spec may lower RATE_LIMIT_UPLOAD).
    RATE_LIMIT_DEFAULT: '1000000/60s',
    RATE_LIMIT_UPLOAD: '1000000/60s',
    // No BullMQ workers here: their periodic scripts would blur the EVALSHA counts of round-trip checks.
    QUEUE_WORKERS: '0',
    // Nor a limiter that falls back to memory when a loaded machine delays its Redis call past 200 ms.
    RATE_LIMIT_REDIS_BUDGET_MS: '2000',
    ...env,
  };
  const started = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => startApp({ env: { ...common, ...perApp[i] } })),
  );
  const apps = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(apps.map((a) => a.kill()));
    throw failed.reason;
  }
  return { apps, prefix, stop: async () => void (await Promise.all(apps.map((a) => a.stop()))) };
}

/** A JSON answer. */
export interface Answer {
  status: number;
  type: string;
  headers: Headers;
  body: Record<string, unknown> & { items?: Record<string, unknown>[] };
  text: string;
}

/** Sends one request; the body is JSON unless it is a string (sent raw, as JSON content). */
export async function call(
  app: AppHandle,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: {
      authorization: SPEC_CALLER,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: Answer['body'];
  try {
    parsed = text ? (JSON.parse(text) as Answer['body']) : {};
  } catch {
    parsed = {};
  }
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    headers: res.headers,
    body: parsed,
    text,
  };
}

/** Asserts a 400 problem+json answer (the validation-error type or a body-parser 400). */
export function expectBadRequest(a: Answer, what: string): void {
  expect({ what, status: a.status, type: a.type.split(';')[0] }).toEqual({
    what,
    status: 400,
    type: 'application/problem+json',
  });
  expect(a.body.status).toBe(400);
  expect(typeof a.body.type).toBe('string');
  expect(typeof a.body.title).toBe('string');
}

/** Runs `count` tasks with at most `concurrency` in flight. */
export async function pool(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** One request of a {@link blast}. */
export interface BlastRequest {
  method: 'POST' | 'PUT';
  path: string;
  body: unknown;
}

/**
 * Sends `count` JSON requests spread evenly over `apps` with autocannon (far cheaper per request than
 * fetch on a 2-core machine), request `i` built by `build(i)`; throws unless every answer was 2xx.
 * Returns the requests per second achieved.
 */
export async function blast(
  apps: AppHandle[],
  count: number,
  build: (i: number) => BlastRequest,
  connections = 16,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  const results = await Promise.all(
    apps.map((app, k) => {
      const amount = Math.floor(count / apps.length) + (k < count % apps.length ? 1 : 0);
      return autocannon({
        url: app.url,
        connections,
        amount,
        timeout: 30,
        requests: [
          {
            setupRequest: (req) => {
              const r = build(next++);
              return {
                ...req,
                method: r.method,
                path: r.path,
                headers: { 'content-type': 'application/json', authorization: SPEC_CALLER },
                body: JSON.stringify(r.body),
              };
            },
          },
        ],
      });
    }),
  );
  const sent = results.reduce((n, r) => n + r.requests.sent, 0);
  const bad = results.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0);
  if (bad > 0 || sent !== count) throw new Error(`blast: ${sent} sent of ${count}, ${bad} failed or not 2xx`);
  return count / ((performance.now() - started) / 1000);
}

/**
 * Script calls the rest of the request pipeline makes per request (the global rate-limit policy is one
 * EVALSHA today), measured on `GET /flags`, a route that itself never touches Redis. Round-trip checks
 * subtract it, so they count what a feature does, whatever the limiter costs.
 */
export async function pipelineScriptsPerRequest(apps: AppHandle[], nodes: Redis[]): Promise<number> {
  const before = await commandCalls(nodes);
  for (let i = 0; i < 50; i++) await call(apps[i % apps.length]!, 'GET', '/flags');
  // EVAL too: a connection's first call of a script sends its text.
  const after = await commandCalls(nodes);
  const perRequest = (after.evalsha ?? 0) + (after.eval ?? 0) - (before.evalsha ?? 0) - (before.eval ?? 0);
  if (perRequest % 50 !== 0) throw new Error(`pipeline scripts: ${perRequest} over 50 requests`);
  return perRequest / 50;
}

/** Direct test clients: a closing socket is destroyed at once, not after ioredis' 2 s grace timer. */
const DIRECT = { disconnectTimeout: 0 };

/** Direct clients to every master (one for standalone), for INFO commandstats. */
export async function masters(redis: TopologyHandle): Promise<Redis[]> {
  if (!redis.cluster) return [new Redis(redis.env.REDIS_URL!, DIRECT)];
  const all = redis.cluster.nodes.map((n) => new Redis(n.port, n.host, DIRECT));
  const out: Redis[] = [];
  for (const c of all) {
    if (/role:master/.test(await c.info('replication'))) out.push(c);
    else await c.quit();
  }
  return out;
}

/** Closes direct clients gracefully (QUIT), so no socket timer outlives the spec. */
export async function quitAll(clients: Redis[]): Promise<void> {
  await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
}

/** Direct clients to every node (one for standalone), masters and replicas. */
export function everyNode(redis: TopologyHandle): Redis[] {
  return redis.cluster
    ? redis.cluster.nodes.map((n) => new Redis(n.port, n.host, DIRECT))
    : [new Redis(redis.env.REDIS_URL!, DIRECT)];
}

/** `cmdstat_<name>:calls` summed over the masters. */
export async function commandCalls(nodes: Redis[]): Promise<Record<string, number>> {
  const sum: Record<string, number> = {};
  for (const node of nodes) {
    for (const m of (await node.info('commandstats')).matchAll(/^cmdstat_([a-z|_-]+):calls=(\d+)/gm)) {
      sum[m[1]!] = (sum[m[1]!] ?? 0) + Number(m[2]);
    }
  }
  return sum;
}

/** The change of each command's calls between two snapshots (commands that did not move are left out). */
export function delta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, n] of Object.entries(after))
    if (n !== (before[name] ?? 0)) out[name] = n - (before[name] ?? 0);
  return out;
}

/** A gauge's value from an instance's /metrics. */
export async function gauge(app: AppHandle, name: string): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}
