import { createHmac, randomUUID } from 'node:crypto';

/** Options of a test caller's credentials. */
export interface TestCaller {
  email?: string;
  roles?: string[];
  /** Lifetime in seconds (default 3600); negative for an expired token. */
  ttlS?: number;
  /** Extra or overriding claims (`iss`, `aud`, `nbf`, `jti`, ...). */
  claims?: Record<string, unknown>;
}

/** The operator credential (`ADMIN_TOKEN`) that {@link authEnv} gives every app process of the specs. */
export const TEST_ADMIN_TOKEN = 'spec-admin-token-0123456789abcdef';

/** The HS256 secret every app process of the specs verifies tokens with. */
export const TEST_JWT_SECRET = 'spec-jwt-secret-0123456789abcdef-0123456789abcdef';

/** Environment an app process needs to accept the credentials {@link authHeader} builds. */
export function authEnv(): Record<string, string> {
  return {
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    AUTH_ISSUER: TEST_ISSUER,
    AUTH_AUDIENCE: TEST_AUDIENCE,
  };
}

/** The `iss` and `aud` the specs' apps require (and test tokens carry). */
export const TEST_ISSUER = 'https://issuer.spec.test/';
export const TEST_AUDIENCE = 'nest-redis-platform-specs';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * An HS256 JWT signed with `secret` (synchronous, so specs can build headers inline). Test support only:
 * the app verifies with jose.
 */
export function signTestToken(
  claims: Record<string, unknown>,
  secret = TEST_JWT_SECRET,
  header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' },
): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** The JWT of a test caller identified by `sub`. */
export function testToken(sub: string, caller: TestCaller = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return signTestToken({
    sub,
    iss: TEST_ISSUER,
    aud: TEST_AUDIENCE,
    iat: now,
    exp: now + (caller.ttlS ?? 3600),
    jti: randomUUID(),
    ...(caller.email ? { email: caller.email } : {}),
    ...(caller.roles ? { roles: caller.roles } : {}),
    ...caller.claims,
  });
}

/**
 * The `Authorization` header value of a test caller identified by `sub`: a fresh JWT (HS256, the specs'
 * secret). Every spec builds its credentials here.
 * @example await request(app.url).get('/payments').set('Authorization', authHeader('alice'));
 */
export function authHeader(sub: string, caller: TestCaller = {}): string {
  // One token per caller (not per call), so sessions stay warm as a real client's do.
  const plain = caller.ttlS === undefined && caller.claims === undefined;
  const key = JSON.stringify([sub, caller.email ?? null, caller.roles ?? null]);
  let token = plain ? issued.get(key) : undefined;
  if (!token) {
    token = testToken(sub, caller);
    if (plain) issued.set(key, token);
  }
  return `Bearer ${token}`;
}

const issued = new Map<string, string>();
