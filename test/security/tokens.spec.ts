// Token verification against real app processes: every malformed, expired, foreign or forged token is
// 401 with `WWW-Authenticate: Bearer error="invalid_token"`, on a shared-secret (HS256) app and on a JWKS
// app (RS256 keys from a loopback JWKS endpoint, rotated without a restart).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { startApp, type AppHandle } from '../support/app-process.js';
import { signTestToken, TEST_AUDIENCE, TEST_ISSUER, testToken } from '../support/auth.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { startRedis, type RedisHandle } from '../support/redis-standalone.js';

async function me(
  app: AppHandle,
  token: string,
): Promise<{ status: number; auth: string | null; type: string }> {
  const res = await fetch(`${app.url}/auth/me`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return {
    status: res.status,
    auth: res.headers.get('www-authenticate'),
    type: res.headers.get('content-type') ?? '',
  };
}

function expectInvalid(answer: { status: number; auth: string | null; type: string }, what: string): void {
  expect({ what, status: answer.status, type: answer.type.split(';')[0] }).toEqual({
    what,
    status: 401,
    type: 'application/problem+json',
  });
  expect(answer.auth).toMatch(/^Bearer error="invalid_token"/);
}

describe('token verification', () => {
  let redis: RedisHandle;
  let hs: AppHandle;
  let jwks: AppHandle;
  let jwksServer: Server;
  const keys: { kid: string; priv: CryptoKey; pub: JWK }[] = [];
  let served: string[] = [];

  const rsToken = (kid: string, claims: Record<string, unknown> = {}) => {
    const key = keys.find((k) => k.kid === kid)!;
    return new SignJWT({ email: 'r@example.com', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setSubject('rs-user')
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(key.priv);
  };

  beforeAll(async () => {
    for (const kid of ['k1', 'k2']) {
      const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
      keys.push({
        kid,
        priv: privateKey,
        pub: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
      });
    }
    served = ['k1'];
    jwksServer = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: keys.filter((k) => served.includes(k.kid)).map((k) => k.pub) }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
    redis = await startRedis();
    const env = {
      ...redis.env,
      REDIS_KEY_PREFIX: `t${randomBytes(3).toString('hex')}`,
      DATABASE_URL: await createTestDatabase(),
      QUEUE_WORKERS: '0',
    };
    [hs, jwks] = await Promise.all([
      startApp({ env }),
      startApp({
        env: { ...env, AUTH_JWT_SECRET: '', AUTH_JWKS_URL: jwksUrl, AUTH_JWKS_COOLDOWN_MS: '200' },
      }),
    ]);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([hs?.stop(), jwks?.stop()]);
    await redis?.stop();
    jwksServer?.close();
  });

  it('HS256: a valid token passes; expired, not yet valid, issued in the future, foreign issuer or audience, tampered, alg none and garbage are 401', async () => {
    expect((await me(hs, testToken('h-user'))).status).toBe(200);
    const now = Math.floor(Date.now() / 1000);
    const valid = testToken('h-user');
    const [header, payload] = valid.split('.');
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: 'admin', roles: ['admin'] })).toString('base64url')}.${valid.split('.')[2]}`;
    const cases: [string, string][] = [
      ['expired beyond the skew', testToken('h-user', { ttlS: -120 })],
      ['not yet valid (nbf)', testToken('h-user', { claims: { nbf: now + 600 } })],
      ['issued in the future (iat)', testToken('h-user', { claims: { iat: now + 600 } })],
      ['another issuer', testToken('h-user', { claims: { iss: 'https://evil.example/' } })],
      ['another audience', testToken('h-user', { claims: { aud: 'someone-else' } })],
      ['no exp', signTestToken({ sub: 'h-user', iss: TEST_ISSUER, aud: TEST_AUDIENCE })],
      ['no sub', signTestToken({ iss: TEST_ISSUER, aud: TEST_AUDIENCE, exp: now + 600 })],
      ['tampered payload', tampered],
      [
        'signed with another secret',
        signTestToken(
          { sub: 'h-user', iss: TEST_ISSUER, aud: TEST_AUDIENCE, exp: now + 600 },
          'x'.repeat(48),
        ),
      ],
      [
        'alg none',
        `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`,
      ],
      ['garbage', 'not-a-jwt'],
      ['empty segments', '..'],
    ];
    for (const [what, token] of cases) expectInvalid(await me(hs, token), what);
  });

  it('JWKS: RS256 passes; HS256 signed with the public key, an unknown kid and alg none are 401; a rotated key is picked up without a restart', async () => {
    expect((await me(jwks, await rsToken('k1'))).status).toBe(200);
    const pubAsSecret = JSON.stringify(keys[0]!.pub);
    const now = Math.floor(Date.now() / 1000);
    const confusion = signTestToken(
      { sub: 'rs-user', iss: TEST_ISSUER, aud: TEST_AUDIENCE, exp: now + 600 },
      pubAsSecret,
      { alg: 'HS256', kid: 'k1' },
    );
    expectInvalid(await me(jwks, confusion), 'HS256 with the public JWK as secret');
    const confusionN = signTestToken(
      { sub: 'rs-user', iss: TEST_ISSUER, aud: TEST_AUDIENCE, exp: now + 600 },
      keys[0]!.pub.n!,
      { alg: 'HS256', kid: 'k1' },
    );
    expectInvalid(await me(jwks, confusionN), 'HS256 with the public modulus as secret');
    expectInvalid(await me(jwks, await rsToken('k2')), 'a kid the provider does not publish (yet)');
    expectInvalid(await me(jwks, testToken('h-user')), 'an HS256 token of the shared-secret setup');
    // Rotation: the provider now publishes k2 (and drops k1); the app refetches on the unknown kid.
    served = ['k2'];
    await new Promise((r) => setTimeout(r, 300)); // past the refetch cooldown of this app (200 ms)
    expect((await me(jwks, await rsToken('k2', { jti: randomUUID() }))).status).toBe(200);
  });
});
