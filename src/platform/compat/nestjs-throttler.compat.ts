// The @nestjs/throttler metadata keys the rate-limit guard and explorer read (the package does not
// export them). Each is `<key><policy name>`, as `@Throttle({ [name]: ... })` and
// `@SkipThrottle({ [name]: true })` write them. Checked by nestjs-throttler.compat.spec.ts.

/** Metadata key prefixes of @nestjs/throttler 6, per policy name. */
export const THROTTLER_METADATA = {
  skip: 'THROTTLER:SKIP',
  limit: 'THROTTLER:LIMIT',
  ttl: 'THROTTLER:TTL',
  blockDuration: 'THROTTLER:BLOCK_DURATION',
  tracker: 'THROTTLER:TRACKER',
  keyGenerator: 'THROTTLER:KEY_GENERATOR',
} as const;

/** A throttler metadata key, split: `THROTTLER:LIMITupload` -> `upload`; undefined for other keys. */
export function throttlerPolicyOf(key: string): string | undefined {
  for (const prefix of Object.values(THROTTLER_METADATA)) {
    if (key.startsWith(prefix) && key.length > prefix.length) return key.slice(prefix.length);
  }
  return undefined;
}
