/** Stable codes of CacheError. */
export type CacheErrorCode =
  'CACHE_BAD_TAG' | 'CACHE_UNSERIALIZABLE' | 'CACHE_REDIS_UNAVAILABLE' | 'CACHE_CORRUPT_ENTRY';

/**
 * An error of the cache layer with a stable `code`; `cause` keeps the underlying error (a Redis
 * failure, a JSON error). Loader errors are never wrapped: the caller sees what its loader threw.
 */
export class CacheError extends Error {
  constructor(
    readonly code: CacheErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CacheError';
  }
}
