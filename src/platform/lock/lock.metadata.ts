import type { KeyResolver } from './lock.keys.js';
import type { WithLockOptions } from './lock.types.js';

/** Metadata key of `@WithLock`. */
export const WITH_LOCK = Symbol('WITH_LOCK');

/** What `@WithLock` stores: the options, the compiled key and its template (checked at module start). */
export interface WithLockMetadata {
  options: Omit<WithLockOptions, 'key'>;
  resolve: KeyResolver;
  /** The key template; undefined when the key is a function. */
  template?: string;
}
