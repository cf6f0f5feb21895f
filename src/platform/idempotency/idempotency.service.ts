import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { Counter } from 'prom-client';
import type { OutgoingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { MetricsService } from '../metrics/metrics.service.js';
import type { CapturedResponse } from './idempotency.capture.js';
import { IdempotencyStoreError, storeUnavailable } from './idempotency.errors.js';
import { LeaseHeartbeat } from './idempotency.heartbeat.js';
import { IDEMPOTENCY_MODULE_OPTIONS } from './idempotency.module-definition.js';
import { IdempotencyStore, type Claim, type ClaimResult, type StoredResponse } from './idempotency.store.js';
import {
  DEFAULT_REPLAY_HEADERS,
  type IdempotencyModuleOptions,
  type IdempotencyPolicy,
} from './idempotency.types.js';

/** The outcomes counted by `idempotency_requests_total`. */
export type IdempotencyOutcome = 'new' | 'replayed' | 'mismatched' | 'in_flight' | 'unavailable';

/** What happens to a claimed key once its response is known. */
export type Settlement = 'store' | 'release';

const OUTCOME: Record<ClaimResult['kind'], IdempotencyOutcome> = {
  claimed: 'new',
  done: 'replayed',
  mismatch: 'mismatched',
  running: 'in_flight',
};

/** Client errors that say "try again later": storing them would replay a transient refusal for a day. */
const TRANSIENT_4XX = new Set([408, 425, 429]);

/** Header names as they are usually written, for the replay (`content-type` -> `Content-Type`). */
function toDisplayName(lower: string): string {
  if (lower === 'etag') return 'ETag';
  return lower.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}

/**
 * The idempotency protocol over the store port: claim (with the optional bounded wait), heartbeat, and the
 * decision to store or release once the response is known. Logs store failures once per state change.
 */
@Injectable()
export class IdempotencyService {
  private readonly logger = new Logger('Idempotency');
  /** Lease of an in-progress claim, ms. */
  readonly leaseMs: number;
  /** `Retry-After` of 409 and 503, seconds. */
  readonly retryAfterSeconds: number;
  private readonly replayHeaders: Map<string, string>;
  private readonly maxBodyBytes: number;
  private readonly waitPollMs: number;
  private storeDown = false;
  private readonly outcomes?: Counter<'outcome'>;
  private readonly settlements?: Counter<'result'>;

  constructor(
    @Inject(IdempotencyStore) private readonly store: IdempotencyStore,
    @Inject(IDEMPOTENCY_MODULE_OPTIONS) options: IdempotencyModuleOptions,
    @Optional() metrics?: MetricsService,
  ) {
    this.outcomes = metrics?.counter({
      name: 'idempotency_requests_total',
      help: 'Idempotent requests by outcome: new (claimed), replayed, mismatched (422), in_flight (409), unavailable (503)',
      labelNames: ['outcome'] as const,
    });
    this.settlements = metrics?.counter({
      name: 'idempotency_settlements_total',
      help: 'Claimed keys once the response is known: stored, released, lost (lease taken over), failed (store down)',
      labelNames: ['result'] as const,
    });
    this.leaseMs = options.leaseMs ?? 30_000;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 1;
    // Each allowlisted header's display name, worked out once: replayable() runs on every stored response.
    this.replayHeaders = new Map(
      (options.replayHeaders ?? DEFAULT_REPLAY_HEADERS).map((h) => [
        h.toLowerCase(),
        toDisplayName(h.toLowerCase()),
      ]),
    );
    this.maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
    this.waitPollMs = options.waitPollMs ?? 25;
  }

  /**
   * Claims the key; with `onConflict: 'wait'` a running duplicate is polled (25 ms doubling to 250 ms)
   * until it completes, is released (then this request runs), or the wait times out.
   * @throws IdempotencyProblem 503 when the store is unreachable (fail closed).
   */
  async acquire(claim: Claim, policy: IdempotencyPolicy): Promise<ClaimResult> {
    const result = await this.acquireOnceOrWait(claim, policy);
    this.outcomes?.inc({ outcome: OUTCOME[result.kind] });
    return result;
  }

  private async acquireOnceOrWait(claim: Claim, policy: IdempotencyPolicy): Promise<ClaimResult> {
    let result = await this.claimOnce(claim);
    if (result.kind !== 'running' || policy.onConflict !== 'wait') return result;
    const deadline = Date.now() + policy.waitTimeoutMs;
    let pause = this.waitPollMs;
    while (result.kind === 'running') {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await sleep(Math.min(pause, left));
      pause = Math.min(pause * 2, 250);
      result = await this.claimOnce(claim);
    }
    return result;
  }

  /** Starts renewing the lease of a claimed key; stop it once the response is settled. */
  heartbeat(claim: Claim): LeaseHeartbeat {
    return new LeaseHeartbeat(this.store, claim, this.leaseMs, this.logger);
  }

  /** Stores the response for replay, or releases the key; a store failure is logged, never thrown. */
  async settle(
    claim: Claim,
    policy: IdempotencyPolicy,
    response: CapturedResponse,
    noResult: boolean,
  ): Promise<Settlement> {
    let settlement = this.decide(policy, response, noResult);
    if (settlement === 'store' && response.body.length > this.maxBodyBytes) {
      this.logger.warn(
        `response of ${response.body.length} bytes exceeds maxBodyBytes: key released, not stored`,
      );
      settlement = 'release';
    }
    try {
      if (settlement === 'store') {
        const stored = await this.store.complete(claim, this.toStored(response), policy.ttlMs);
        if (!stored) this.logger.warn(`lease lost before the response was stored (${claim.recordKey})`);
        this.settlements?.inc({ result: stored ? 'stored' : 'lost' });
      } else {
        await this.store.release(claim);
        this.settlements?.inc({ result: 'released' });
      }
      this.markUp();
    } catch (err) {
      this.settlements?.inc({ result: 'failed' });
      // The handler has run, so the client still gets its response. The claim expires with its lease; a retry
      // then runs again, which a feature's UNIQUE constraint on the scoped key turns into the same result.
      this.markDown(err);
    }
    return settlement;
  }

  /**
   * Store 2xx/3xx, and 4xx unless `storeClientErrors` is off; release 5xx, transient 4xx (408, 425, 429
   * or any answer with Retry-After) and requests with no result (`noResult`: rejected by validation, as
   * Stripe saves nothing for a request that did not start executing, or refused as an idempotency conflict).
   */
  decide(policy: IdempotencyPolicy, response: CapturedResponse, noResult: boolean): Settlement {
    const { status } = response;
    if (status >= 500 || noResult) return 'release';
    if (status >= 400) {
      if (TRANSIENT_4XX.has(status) || response.headers['retry-after'] !== undefined) return 'release';
      return policy.storeClientErrors ? 'store' : 'release';
    }
    return 'store';
  }

  /** The allowlisted headers of a captured response, in display case. */
  replayable(headers: OutgoingHttpHeaders): [string, string][] {
    const out: [string, string][] = [];
    for (const [name, value] of Object.entries(headers)) {
      const display = this.replayHeaders.get(name);
      if (value === undefined || display === undefined) continue;
      out.push([display, Array.isArray(value) ? value.join(', ') : String(value)]);
    }
    return out;
  }

  private toStored(response: CapturedResponse): StoredResponse {
    return { status: response.status, headers: this.replayable(response.headers), body: response.body };
  }

  private async claimOnce(claim: Claim): Promise<ClaimResult> {
    try {
      const result = await this.store.claim(claim, this.leaseMs);
      this.markUp();
      return result;
    } catch (err) {
      this.markDown(err);
      this.outcomes?.inc({ outcome: 'unavailable' });
      throw storeUnavailable(this.retryAfterSeconds, err);
    }
  }

  private markDown(err: unknown): void {
    if (this.storeDown) return;
    this.storeDown = true;
    const reason = err instanceof IdempotencyStoreError ? err.message : String(err);
    this.logger.warn(`idempotency store unavailable, idempotent routes answer 503: ${reason}`);
  }

  private markUp(): void {
    if (!this.storeDown) return;
    this.storeDown = false;
    this.logger.log('idempotency store available again');
  }
}
