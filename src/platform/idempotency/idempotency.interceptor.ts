import { Injectable, StreamableFile, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { isRejectedByPipes } from '../compat/nestjs-core.compat.js';
import { AroundInterceptor, type Next } from '../http/around.interceptor.js';
import { originalUrlOf, rawHeadersOf, rawResponse, setHeader, setStatus } from '../http/adapter.js';
import { httpOf } from '../http/execution.js';
import { actorOf } from '../http/principal.js';
import { ProblemException } from '../http/problem.js';
import { KeyBuilder } from '../redis/key-builder.js';
import { holdResponse } from './idempotency.capture.js';
import { executeResolver, replayResolver } from './idempotency.graphql.js';
import { IdempotencyProblem, inProgress, keyInvalid, keyMissing, keyReused } from './idempotency.errors.js';
import { canonicalTarget, fingerprintOf, scopedKeyOf } from './idempotency.fingerprint.js';
import { parseIdempotencyKey } from './idempotency.key.js';
import { IdempotencyPolicyMetadata } from './idempotency.policy.js';
import { IDEMPOTENCY_CONTEXT } from './idempotency.context.js';
import { IdempotencyService } from './idempotency.service.js';
import type { Claim, StoredResponse } from './idempotency.store.js';
import { IdempotencyTestHooks, TEST_HOOK_HEADER } from './idempotency.test-hooks.js';
import type { IdempotencyPolicy, IdempotencyRequestContext, IdempotentRequest } from './idempotency.types.js';

/** Marks a request this interceptor has taken: `@Idempotent()` on both a class and a method names it twice. */
const SEEN = Symbol('idempotency-seen');

/** The methods the draft applies the header to; others pass through untouched. */
const METHODS = new Set(['POST', 'PATCH']);

/**
 * Route behaviour of `@Idempotent()`: validates the key, claims it (one `SET NX GET`), replays a stored
 * response with `Idempotent-Replayed: true`, or runs the handler under a heartbeat-renewed lease and holds
 * its response until it is stored (or the key released), then sends it.
 */
@Injectable()
export class IdempotencyInterceptor extends AroundInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly service: IdempotencyService,
    private readonly keys: KeyBuilder,
    private readonly hooks: IdempotencyTestHooks,
  ) {
    super();
  }

  async around(context: ExecutionContext, next: Next): Promise<unknown> {
    const http = httpOf<IdempotentRequest & { method: string; [SEEN]?: true }, object>(context);
    if (!http) return next();
    const policy = this.reflector.getAllAndOverride(IdempotencyPolicyMetadata, [
      context.getHandler(),
      context.getClass(),
    ]);
    const { req, res } = http;
    if (!policy || !METHODS.has(req.method) || req[SEEN]) return next();
    req[SEEN] = true;

    const key = parseIdempotencyKey(rawHeadersOf(req));
    if (key === undefined) {
      if (policy.required) throw keyMissing();
      return next();
    }
    if (typeof key !== 'string') throw keyInvalid(key.invalid);

    // Anonymous callers are kept apart by address: one caller cannot replay another's response.
    const principal = actorOf(req);
    const scopedKey = scopedKeyOf(policy.scope, principal, key);
    const claim: Claim = {
      recordKey: this.keys.key('idem', scopedKey),
      owner: randomUUID(), // pooled entropy: a fresh randomBytes call costs ~10 us under load
      fingerprint: fingerprintOf({
        method: req.method,
        target: canonicalTarget(originalUrlOf(req)),
        principal,
        body: policy.fingerprint ? policy.fingerprint(req) : req.body,
      }),
    };

    const result = await this.service.acquire(claim, policy);
    switch (result.kind) {
      case 'mismatch':
        throw keyReused();
      case 'running':
        throw inProgress(this.service.retryAfterSeconds);
      case 'done':
        return http.graphql ? replayResolver(result.response) : this.replay(res, result.response);
      case 'claimed': {
        const ctx: IdempotencyRequestContext = { key, scopedKey };
        (req as unknown as Record<symbol, unknown>)[IDEMPOTENCY_CONTEXT] = ctx;
        if (http.graphql) return executeResolver(this.service, next, claim, policy);
        return this.execute(req, res, next, claim, policy);
      }
    }
  }

  private async execute(
    req: IdempotentRequest,
    res: object,
    next: Next,
    claim: Claim,
    policy: IdempotencyPolicy,
  ): Promise<unknown> {
    const heartbeat = this.service.heartbeat(claim);
    let failure: unknown;
    let handlerDone = false;
    let ended = false;
    const raw = rawResponse(res);
    holdResponse(raw, async (captured) => {
      ended = true;
      try {
        await this.hooks.hold('before-store', req.headers[TEST_HOOK_HEADER]);
        // No result to keep: the pipes refused the request, or the handler itself found the key already
        // used for another request (a feature's own check, e.g. the payments UNIQUE row): storing that 422
        // would lock the key against the legitimate retry.
        const noResult =
          isRejectedByPipes(req) ||
          (failure instanceof ProblemException && failure.problem.type === 'validation-error') ||
          failure instanceof IdempotencyProblem;
        await this.service.settle(claim, policy, captured, noResult);
      } finally {
        heartbeat.stop();
      }
    });
    // A response that is never sent (client gone during an Observable handler) must not renew forever:
    // once both the handler is over and the connection closed without a response, the lease may lapse.
    let closed = false;
    raw.once('close', () => {
      closed = !ended;
      if (closed && handlerDone) heartbeat.stop();
    });
    try {
      return await next();
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      handlerDone = true;
      if (closed) heartbeat.stop();
    }
  }

  /**
   * Sends the stored response as it was: status, allowlisted headers, the exact body bytes. A UTF-8 body
   * (JSON, the usual case) goes out as a string, which Express encodes back to the same bytes under the
   * stored Content-Type (Fastify sends it as it is), without the cost of a stream; any other body goes
   * out as a stream of its bytes.
   */
  private replay(res: object, stored: StoredResponse): StreamableFile | string | undefined {
    setStatus(res, stored.status);
    let typed = false;
    for (const [name, value] of stored.headers) {
      setHeader(res, name, value);
      if (name.toLowerCase() === 'content-type') typed = true;
    }
    setHeader(res, 'Idempotent-Replayed', 'true');
    if (stored.body.length === 0) return undefined;
    return typed && isUtf8(stored.body) ? stored.body.toString('utf8') : new StreamableFile(stored.body);
  }
}
