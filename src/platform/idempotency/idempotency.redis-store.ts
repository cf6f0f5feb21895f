import { Inject, Injectable } from '@nestjs/common';
import { LuaScripts } from '../redis/lua-scripts.js';
import { REDIS_CLIENT, type RedisClient } from '../redis/redis.types.js';
import { IdempotencyStoreError } from './idempotency.errors.js';
import { doneRecord, parseRecord, runningRecord } from './idempotency.record.js';
import type { Claim, ClaimResult, IdempotencyStore, StoredResponse } from './idempotency.store.js';

/** `SET` with the options ioredis' typed overloads do not combine (NX with GET: Redis 7.0 and later). */
type SetNxGet = (
  key: string,
  value: string,
  px: 'PX',
  ms: number,
  nx: 'NX',
  get: 'GET',
) => Promise<string | null>;

/**
 * The IdempotencyStore on Redis: one string per scoped key (`{prefix}:idem:<sha-256>`, layout in
 * idempotency.record.ts) holding the state, the fingerprint and the owner, and once done the status,
 * headers and base64 body. The in-progress lease is the key's own TTL, so a crashed owner's claim
 * disappears by itself. Each method is one round trip: the claim a single `SET NX PX GET` (it writes only
 * when the key is free, and returns what is there otherwise), the others one Lua call that acts only for
 * the owner.
 */
@Injectable()
export class RedisIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly scripts: LuaScripts,
    @Inject(REDIS_CLIENT) private readonly client: RedisClient,
  ) {}

  async claim(claim: Claim, leaseMs: number): Promise<ClaimResult> {
    let existing: string | null;
    try {
      existing = await (this.client.set as unknown as SetNxGet).call(
        this.client,
        claim.recordKey,
        runningRecord(claim.fingerprint, claim.owner),
        'PX',
        leaseMs,
        'NX',
        'GET',
      );
    } catch (err) {
      throw new IdempotencyStoreError('claim', err);
    }
    if (existing === null) return { kind: 'claimed' };
    const record = parseRecord(existing);
    if (!record)
      throw new IdempotencyStoreError('claim', new Error(`unreadable record at ${claim.recordKey}`));
    if (record.fingerprint !== claim.fingerprint) return { kind: 'mismatch' };
    return record.state === 'running' ? { kind: 'running' } : { kind: 'done', response: record.response };
  }

  async renew(claim: Claim, leaseMs: number): Promise<boolean> {
    return (await this.run<number>('idempotency-renew', 'renew', claim, [leaseMs])) === 1;
  }

  async complete(claim: Claim, response: StoredResponse, ttlMs: number): Promise<boolean> {
    const done = doneRecord(claim.fingerprint, response);
    return (await this.run<number>('idempotency-complete', 'complete', claim, [done, ttlMs])) === 1;
  }

  async release(claim: Claim): Promise<boolean> {
    return (await this.run<number>('idempotency-release', 'release', claim, [])) === 1;
  }

  /** Runs an owner-checking script: its first argument is the running record the claim wrote. */
  private async run<T>(
    script: string,
    operation: string,
    claim: Claim,
    args: (string | number)[],
  ): Promise<T> {
    try {
      return await this.scripts.run<T>(
        script,
        [claim.recordKey],
        [runningRecord(claim.fingerprint, claim.owner), ...args],
      );
    } catch (err) {
      throw new IdempotencyStoreError(operation, err);
    }
  }
}
