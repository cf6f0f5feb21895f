import type { IncomingHttpHeaders } from 'node:http';

import type { Duration } from '../common/index.js';

export type { Duration } from '../common/index.js';

/** The request a `fingerprint` function sees: Express's or Fastify's, both carry these. */
export interface IdempotentRequest {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the parsed body, as Express types it
  body: any;
  headers: IncomingHttpHeaders;
  params: unknown;
  query: unknown;
}

/** Who shares an idempotency key space: each principal its own (default), or every caller one. */
export type IdempotencyScope = 'principal' | 'global';

/** What a request gets while another one with the same key is still running. */
export type ConflictPolicy = 'reject' | 'wait';

/** Options of `@Idempotent()`; the defaults follow Stripe and the IETF draft. */
export interface IdempotentOptions {
  /** How long a completed response is kept and replayed (default `24h`). Published in the OpenAPI document. */
  ttl?: Duration;
  /** Answer 400 when the `Idempotency-Key` header is missing (default true); when false, such a request simply runs. */
  required?: boolean;
  /** Key space (default `principal`: two clients can neither collide nor read each other's replay). */
  scope?: IdempotencyScope;
  /**
   * The part of the request that must be equal for a retry, in place of the whole JSON body (method,
   * path and principal are always part of the fingerprint). Its result is hashed as canonical JSON.
   * @example fingerprint: (req) => ({ amount: req.body.amount, currency: req.body.currency })
   */
  fingerprint?: (req: IdempotentRequest) => unknown;
  /** A duplicate that arrives while the first request runs: `reject` with 409 (default) or `wait` and replay. */
  onConflict?: ConflictPolicy;
  /** Longest wait with `onConflict: 'wait'` before answering 409 (default `5s`). */
  waitTimeout?: Duration;
  /** Store and replay 4xx responses (default true, as Stripe does); false frees the key after a 4xx. */
  storeClientErrors?: boolean;
}

/** IdempotentOptions with every default applied and durations in ms. */
export interface IdempotencyPolicy {
  ttlMs: number;
  required: boolean;
  scope: IdempotencyScope;
  fingerprint?: (req: IdempotentRequest) => unknown;
  onConflict: ConflictPolicy;
  waitTimeoutMs: number;
  storeClientErrors: boolean;
}

/** Options of IdempotencyModule.forRoot / forRootAsync (infrastructure; per-route behaviour is on the decorator). */
export interface IdempotencyModuleOptions {
  /**
   * Lease of an in-progress claim (default 30 s), renewed by a heartbeat every third of it while the handler
   * runs: when the process dies, a retry may execute again once the lease has run out.
   */
  leaseMs?: number;
  /** Response headers stored and replayed besides the body and status (case-insensitive). */
  replayHeaders?: string[];
  /** `Retry-After` (seconds) of the 409 and 503 answers (default 1). */
  retryAfterSeconds?: number;
  /** Largest response body stored (default 1 MiB); a larger one frees the key instead, with a warning. */
  maxBodyBytes?: number;
  /** First pause between polls with `onConflict: 'wait'` (default 25 ms, doubling up to 250 ms). */
  waitPollMs?: number;
  /** Honour the `X-Test-Hook` request header (the kill -9 tests). Ignored unless NODE_ENV is `test`. */
  testHooks?: boolean;
}

/** The default replayed headers: those that describe the stored body or the created resource. */
export const DEFAULT_REPLAY_HEADERS = [
  'content-type',
  'content-language',
  'content-location',
  'location',
  'etag',
  'link',
];

/** What a handler may learn about the idempotent request it serves (see `@IdempotencyKey()`). */
export interface IdempotencyRequestContext {
  /** The key as the client sent it. */
  key: string;
  /**
   * SHA-256 (base64url, 43 characters) of the scope and the key: a stable, opaque value a feature can store
   * under a UNIQUE constraint, closing the window between its commit and the response being stored.
   */
  scopedKey: string;
}
