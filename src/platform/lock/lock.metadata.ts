import type { KeyResolver } from './lock.keys.js';
import type { WithLockOptions } from './lock.types.js';

/** Metadata key of `@WithLock`. */
export const WITH_LOCK = Symbol('WITH_LOCK');

/** What `@WithLock` stores: the options and the compiled key. */
export interface WithLockMetadata {
  options: Omit<WithLockOptions, 'key'>;
  resolve: KeyResolver;
}
