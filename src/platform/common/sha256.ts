import * as crypto from 'node:crypto';

type OneShot = (algorithm: string, data: string | Buffer, encoding: 'base64url') => string;
/** crypto.hash (Node >= 20.12): one call, no Hash object; both users hash on every request. */
const oneShot = (crypto as unknown as { hash?: OneShot }).hash;

/** SHA-256 of `data`, base64url (43 characters). */
export function sha256Base64url(data: string | Buffer): string {
  return oneShot
    ? oneShot('sha256', data, 'base64url')
    : crypto.createHash('sha256').update(data).digest('base64url');
}
