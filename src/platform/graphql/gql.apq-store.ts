import type { KeyValueCache, KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import { Logger } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import type { KeyBuilder } from '../redis/index.js';

/** Bounds of the persisted-query store: the public can register documents, so both are capped. */
export interface ApqStoreOptions {
  /** Lifetime of a stored document (s); each use does not extend it. */
  ttlSeconds: number;
  /** Longest document stored (characters); longer ones are executed but not stored. */
  maxDocumentLength: number;
}

/**
 * Apollo Server's store of automatic persisted queries, in Redis: `{prefix}:cache:gql:apq:<hash>` -> the
 * document, shared by every instance, each entry with a TTL (one SET ... EX), documents above a length
 * cap not stored. Apollo verifies that a registered document matches its SHA-256 before storing it, so
 * an entry cannot be planted under another document's hash. Redis errors read as a miss (the client then
 * sends the document again) and are logged once per state change.
 */
export class RedisApqStore implements KeyValueCache<string> {
  private readonly logger = new Logger('GraphQL-APQ');
  private failing = false;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly keys: KeyBuilder,
    private readonly options: ApqStoreOptions,
  ) {}

  private key(hash: string): string {
    // Apollo passes the client's hash, which is user input: KeyBuilder hashes anything not plain.
    return this.keys.key('cache', 'gql', 'apq', hash.replace(/^apq:/, '').slice(0, 128));
  }

  async get(hash: string): Promise<string | undefined> {
    try {
      const value = await this.redis.get(this.key(hash));
      this.ok();
      return value ?? undefined;
    } catch (err) {
      this.failed(err);
      return undefined;
    }
  }

  async set(hash: string, document: string, _options?: KeyValueCacheSetOptions): Promise<void> {
    if (document.length > this.options.maxDocumentLength) return;
    try {
      await this.redis.set(this.key(hash), document, 'EX', this.options.ttlSeconds);
      this.ok();
    } catch (err) {
      this.failed(err);
    }
  }

  async delete(hash: string): Promise<boolean | void> {
    try {
      await this.redis.del(this.key(hash));
    } catch (err) {
      this.failed(err);
    }
  }

  private ok(): void {
    if (this.failing) this.logger.log('persisted-query store reachable again');
    this.failing = false;
  }

  private failed(err: unknown): void {
    if (!this.failing) this.logger.warn(`persisted-query store unavailable: ${(err as Error).message}`);
    this.failing = true;
  }
}
