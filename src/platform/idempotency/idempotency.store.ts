/** A response as stored for replay: status, the allowlisted headers in their original case, the exact bytes. */
export interface StoredResponse {
  status: number;
  headers: [string, string][];
  body: Buffer;
}

/** The outcome of a claim (one round trip). */
export type ClaimResult =
  | { kind: 'claimed' }
  | { kind: 'mismatch' }
  | { kind: 'running' }
  | { kind: 'done'; response: StoredResponse };

/** One request's hold on a key: the record it claimed and the token that proves it. */
export interface Claim {
  recordKey: string;
  owner: string;
  fingerprint: string;
}

/**
 * Port of the idempotency records. Every method is one atomic round trip and throws
 * IdempotencyStoreError when the store cannot be reached.
 */
export interface IdempotencyStore {
  /** Claims the key (lease `leaseMs`), or reports a mismatch, a running request or the stored response. */
  claim(claim: Claim, leaseMs: number): Promise<ClaimResult>;
  /** Extends the lease; false when it was lost (expired or taken over). */
  renew(claim: Claim, leaseMs: number): Promise<boolean>;
  /** Stores the response for `ttlMs`; false when another request has claimed the key since. */
  complete(claim: Claim, response: StoredResponse, ttlMs: number): Promise<boolean>;
  /** Frees the key so a retry executes again; false when it was not ours any more. */
  release(claim: Claim): Promise<boolean>;
}

/** Injection token of the {@link IdempotencyStore} port. */
export const IdempotencyStore = Symbol('IdempotencyStore');
