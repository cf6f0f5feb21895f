import { KeyBuilder, type KeyPart } from '../redis/index.js';
import { CacheError } from './cache.errors.js';
import type { CacheKey } from './cache.types.js';

const NAMESPACE = /^[A-Za-z0-9_-]{1,32}$/;

/** A tag as the engine uses it: `name` in entry headers and bus messages, `key` its version counter. */
export interface TagRef {
  name: string;
  key: string;
}

/**
 * Every Redis key and channel of the cache, made by KeyBuilder:
 * - entry `app:cache:{ns:part:part}` (its own hash tag, so entries spread over Cluster slots) and its
 *   single-flight lock `app:cache:{ns:part:part}:lock` (same slot, so one script handles both);
 * - tag version counter `app:cache:tag:car:42` (one INCR invalidates every entry carrying the tag);
 * - bus channel `app:cache:{bus}`, per-instance ack channels and the epoch counter, all in one slot, so
 *   a sharded subscriber on one node sees them all.
 */
export class CacheKeys {
  readonly channel: string;
  readonly epoch: string;

  constructor(private readonly keys: KeyBuilder) {
    this.channel = keys.tagged('cache', ['bus']);
    this.epoch = keys.tagged('cache', ['bus'], 'epoch');
  }

  /** Splits a string key on `:`; arrays are used as they are. */
  static parts(key: CacheKey): KeyPart[] {
    const parts = typeof key === 'string' ? key.split(':') : [...key];
    if (parts.length === 0 || parts.some((p) => p === '')) {
      throw new CacheError('CACHE_BAD_TAG', 'cache keys and tags need non-empty parts');
    }
    return parts;
  }

  /** Full Redis key of an entry. */
  entry(namespace: string, key: CacheKey): string {
    if (!NAMESPACE.test(namespace)) {
      throw new CacheError('CACHE_BAD_TAG', `cache namespace must match ${NAMESPACE}: ${namespace}`);
    }
    return this.keys.tagged('cache', [namespace, ...CacheKeys.parts(key)]);
  }

  /** The lock of an entry (same hash tag). */
  lock(entryKey: string): string {
    return `${entryKey}:lock`;
  }

  /** A tag's normalised name and version-counter key; unsafe parts are hashed like key parts. */
  tag(tag: string): TagRef {
    const name = CacheKeys.parts(tag)
      .map((p) => KeyBuilder.part(p))
      .join(':');
    return { name, key: this.tagKey(name) };
  }

  /** The version-counter key of a normalised tag name (as found in entry headers). */
  tagKey(name: string): string {
    return `${this.keys.key('cache', 'tag')}:${name}`;
  }

  /** The channel on which instance `id` receives acknowledgements. */
  ackChannel(id: string): string {
    return this.keys.tagged('cache', ['bus'], 'ack', id);
  }
}
