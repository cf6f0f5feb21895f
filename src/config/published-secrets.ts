import { createHash } from 'node:crypto';

/**
 * SHA-256 digests of every secret-like value written in this repository (test credentials, examples in
 * the docs, compose files): a production boot refuses them. `test/app/published-secrets.spec.ts` scans the
 * repository and fails when a value appears that is not listed here.
 */
const PUBLISHED = new Set<string>([]);

/** True when `value` is written somewhere in this repository. */
export function isPublishedSecret(value: string): boolean {
  return PUBLISHED.has(createHash('sha256').update(value).digest('hex'));
}
