import { Injectable } from '@nestjs/common';
import { LuaScripts } from '../redis/lua-scripts.js';
import { IdempotencyStoreError } from './idempotency.errors.js';
import type { Claim, ClaimResult, IdempotencyStore, StoredResponse } from './idempotency.store.js';

type ClaimReply = ['claimed'] | ['mismatch'] | ['running', number] | ['done', string, string, string];

/**
 * The IdempotencyStore on Redis: one hash per scoped key (`{prefix}:idem:<sha-256>`) holding state,
 * fingerprint, owner, and once done the status, headers and base64 body. The in-progress lease is the key's
 * own TTL, so a crashed owner's claim disappears by itself. Each method is one Lua call (one round trip).
 */
@Injectable()
export class RedisIdempotencyStore implements IdempotencyStore {
  constructor(private readonly scripts: LuaScripts) {}

  async claim(claim: Claim, leaseMs: number): Promise<ClaimResult> {
    const reply = await this.run<ClaimReply>('idempotency-claim', 'claim', claim.recordKey, [
      claim.owner,
      claim.fingerprint,
      leaseMs,
    ]);
    switch (reply[0]) {
      case 'claimed':
        return { kind: 'claimed' };
      case 'mismatch':
        return { kind: 'mismatch' };
      case 'running':
        return { kind: 'running', pttl: Number(reply[1]) };
      case 'done':
        return {
          kind: 'done',
          response: {
            status: Number(reply[1]),
            headers: JSON.parse(reply[2]) as [string, string][],
            // base64 keeps the bytes exact through ioredis' string replies, whatever the body's encoding.
            body: Buffer.from(reply[3], 'base64'),
          },
        };
    }
  }

  async renew(claim: Claim, leaseMs: number): Promise<boolean> {
    return (
      (await this.run<number>('idempotency-renew', 'renew', claim.recordKey, [claim.owner, leaseMs])) === 1
    );
  }

  async complete(claim: Claim, response: StoredResponse, ttlMs: number): Promise<boolean> {
    const args = [
      claim.owner,
      claim.fingerprint,
      response.status,
      JSON.stringify(response.headers),
      response.body.toString('base64'),
      ttlMs,
    ];
    return (await this.run<number>('idempotency-complete', 'complete', claim.recordKey, args)) === 1;
  }

  async release(claim: Claim): Promise<boolean> {
    return (await this.run<number>('idempotency-release', 'release', claim.recordKey, [claim.owner])) === 1;
  }

  private async run<T>(
    script: string,
    operation: string,
    key: string,
    args: (string | number)[],
  ): Promise<T> {
    try {
      return await this.scripts.run<T>(script, [key], args);
    } catch (err) {
      throw new IdempotencyStoreError(operation, err);
    }
  }
}
