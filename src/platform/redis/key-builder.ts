import { LRUCache } from 'lru-cache';
import { sha256Base64url } from '../common/sha256.js';

/** Key areas (README "Architecture": `{prefix}:{area}:{...}`); one area per concern keeps `SCAN` and ACL rules simple. */
export type KeyArea =
  'cache' | 'lock' | 'fence' | 'rl' | 'idem' | 'session' | 'counter' | 'hll' | 'lb' | 'flag' | 'q';

/** A key part: strings are validated or hashed, numbers are written as integers. */
export type KeyPart = string | number;

const SAFE = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Digests of recent non-plain parts, up to 256 characters each: the same few recur on every request (a
 * client's tracker `ip:203.0.113.9`, a route), and hashing them was most of what a rate-limited request
 * spent on its key. Bounded in entries, so no caller can grow it.
 */
const digests = new LRUCache<string, string>({ max: 4096 });

function digest(value: string): string {
  return '#' + sha256Base64url(value).slice(0, 22);
}

/**
 * Makes every Redis key: `{prefix}:{area}:{...parts}`. User-supplied parts that are not short and plain
 * (`[A-Za-z0-9_.-]{1,64}`) are replaced by `#` + a SHA-256 digest, so no user string ever reaches a key
 * raw: no `:` splitting, no `{}` hash-tag injection, no glob characters, bounded length.
 * @example
 * keys.key('counter', 'views', day)           // app:counter:views:2026-11-22
 * keys.tagged('lock', ['car', carId])         // app:lock:{car:42}
 * keys.tagged('fence', ['car', carId])        // app:fence:{car:42} (same slot as the lock)
 */
export class KeyBuilder {
  constructor(readonly prefix: string) {
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(prefix)) throw new Error(`invalid key prefix: ${prefix}`);
  }

  /** Makes one key part safe: kept when plain, else `#` + 22 base64url characters of its SHA-256 (132 bits). */
  static part(value: KeyPart): string {
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) throw new Error(`key part must be a safe integer: ${value}`);
      return String(value);
    }
    if (SAFE.test(value)) return value;
    if (value.length > 256) return digest(value);
    let hashed = digests.get(value);
    if (hashed === undefined) digests.set(value, (hashed = digest(value)));
    return hashed;
  }

  /** True when a value would be used in a key unchanged. */
  static isPlain(value: string): boolean {
    return SAFE.test(value);
  }

  /** `{prefix}:{area}:{parts...}`. */
  key(area: KeyArea, ...parts: KeyPart[]): string {
    let key = `${this.prefix}:${area}`;
    for (const p of parts) key += ':' + KeyBuilder.part(p);
    return key;
  }

  /** `{prefix}:{area}:{tag...}:{rest...}`: keys that share `tag` land in one Cluster slot. */
  tagged(area: KeyArea, tag: KeyPart[], ...rest: KeyPart[]): string {
    let key = `${this.prefix}:${area}:{${tag.map((p) => KeyBuilder.part(p)).join(':')}}`;
    for (const p of rest) key += ':' + KeyBuilder.part(p);
    return key;
  }

  /** The hash-tagged BullMQ prefix, `{prefix:q}`, so every key of every queue shares one Cluster slot. */
  queuePrefix(): string {
    return `{${this.prefix}:q}`;
  }
}
