// Helpers of the queue specs: app environment, HTTP calls, a BullMQ view of the app's queues,
// a loopback webhook receiver.
import { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppHandle } from '../support/app-process.js';
import { authHeader } from '../support/auth.js';
import type { TopologyHandle } from '../support/topologies.js';
import { waitUntil } from '../support/wait.js';

/** The admin token of the queue specs' apps. */
export const ADMIN_TOKEN = 'queue-spec-admin-token-0123456789';

/** Who these specs call as unless a call names someone: an admin (sends to any address, sees every job). */
export const SPEC_CALLER = authHeader('queue-spec', { roles: ['admin'] });

/** A fresh key prefix per app group. */
export const newPrefix = () => `q${randomBytes(4).toString('hex')}`;

/**
 * Environment of an app process in these specs: the rate limits out of the way (the rate limiter),
 * short locks and stall checks so a killed worker's jobs come back in about 3 s, fast retries.
 */
export function appEnv(
  redisEnv: Record<string, string>,
  prefix: string,
  databaseUrl: string,
  extra: Record<string, string> = {},
) {
  return {
    ...redisEnv,
    REDIS_KEY_PREFIX: prefix,
    DATABASE_URL: databaseUrl,
    ADMIN_TOKEN,
    RATE_LIMIT_DEFAULT: '1000000/60s',
    RATE_LIMIT_MESSAGE: '1000000/60s',
    RATE_LIMIT_EXPORT: '1000000/60s',
    QUEUE_LOCK_DURATION_MS: '2000',
    QUEUE_STALLED_INTERVAL_MS: '1000',
    QUEUE_BACKOFF_DELAY_MS: '50',
    QUEUE_KEEP_COMPLETED: '100000',
    EMAIL_TRANSPORT: 'log',
    // The webhook receivers of these specs listen on loopback.
    WEBHOOK_ALLOW_PRIVATE: '1',
    ...extra,
  };
}

/** A parsed HTTP answer. */
export interface Answer {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
  text: string;
}

/** A request to an app; JSON in, JSON (or text) out. */
export async function call(
  app: AppHandle | string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const base = typeof app === 'string' ? app : app.url;
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: SPEC_CALLER,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON (a download, an HTML page)
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** An e-mail body for POST /notifications/email. */
export const email = (n: number) => ({
  to: `user${n}@example.com`,
  subject: `message ${n}`,
  body: `body of ${n}`,
});

/**
 * A BullMQ Queue on the app's queue (same prefix), through the topology's test client: job counts,
 * job states and the dead-letter queue as Redis holds them, independent of any app process.
 */
export function queueView(redis: TopologyHandle, prefix: string, name: string): Queue {
  return new Queue(name, { connection: redis.client(), prefix: `{${prefix}:q}` });
}

/** A delivery seen by the receiver. */
export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A loopback HTTP receiver for webhook deliveries that answers `status()` and records each request. */
export async function startReceiver(status: () => number = () => 200): Promise<{
  url: string;
  received: Received[];
  close(): Promise<void>;
}> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status(), { 'content-type': 'text/plain', connection: 'close' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Runs `worker` over `items` with at most `concurrency` at once; results in input order. */
export async function pool<T, R>(
  items: T[],
  concurrency: number,
  worker: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await worker(items[i]!, i);
      }
    }),
  );
  return results;
}

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF) into rows of fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  if (field || row.length) rows.push([...row, field]);
  return rows;
}

/** Polls GET `path` until `done(answer)`; returns the last answer. */
export function pollUntil(
  app: AppHandle,
  path: string,
  done: (a: Answer) => boolean,
  headers: Record<string, string> = {},
  timeoutMs = 15_000,
): Promise<Answer> {
  let last: Answer | undefined;
  return waitUntil(
    async () => {
      last = await call(app, 'GET', path, undefined, headers);
      return done(last) && last;
    },
    { timeoutMs, intervalMs: 50, message: () => `GET ${path}: last answer ${last?.status} ${last?.text}` },
  );
}
