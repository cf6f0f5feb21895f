import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where the embedded default keeps its HS256 secret, below DATA_DIR. */
export function embeddedSecretFile(dataDir: string): string {
  return join(dataDir, 'auth', 'jwt-secret');
}

/**
 * The embedded default's HS256 secret (not for production): read from `DATA_DIR/auth/jwt-secret`, or made
 * on first start (48 random bytes, base64url, mode 0600), so `npm run token` can sign with the same one.
 */
export function embeddedSecret(dataDir: string): string {
  const file = embeddedSecretFile(dataDir);
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= 32) return existing;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const secret = randomBytes(48).toString('base64url');
  // wx: two instances starting at once must not overwrite each other's secret.
  try {
    writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim();
    throw err;
  }
}
