import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Checks `Authorization: Bearer <ADMIN_TOKEN>` in constant time; true when it matches. */
export function isAdminRequest(authorization: string | undefined, adminToken: string): boolean {
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  // Comparing fixed-length digests keeps the comparison constant-time whatever the lengths.
  return Boolean(match) && timingSafeEqual(digest(match![1]!), digest(adminToken));
}
