import { createHash } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthModuleOptions, Principal } from './auth.types.js';

/** Algorithms accepted per key type: pinned, so no `none` and no HS/RS confusion. */
const SHARED_SECRET_ALGORITHMS = ['HS256'];
const ASYMMETRIC_ALGORITHMS = ['RS256', 'ES256', 'EdDSA', 'Ed25519'];

/** Why a token was refused; the text goes into the 401's `detail`. */
export class InvalidTokenError extends Error {
  readonly code = 'AUTH_INVALID_TOKEN';
}

/** The identity provider's keys could not be fetched: the caller cannot be verified now (503, not 401). */
export class AuthUnavailableError extends Error {
  readonly code = 'AUTH_UNAVAILABLE';
}

/** A verified token: the principal and the expiry (epoch ms). */
export interface VerifiedToken {
  principal: Principal;
  exp: number;
}

/** SHA-256 (hex) of a token: its identity in cache keys and, without `jti`, in revocations. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Verifies bearer JWTs with jose: HS256 with a shared secret, or RS256 / ES256 / EdDSA keys from a JWKS
 * endpoint (cached; an unknown `kid` refetches at most once per cooldown). `exp` and `sub` are required;
 * `nbf` and `iat` may not lie in the future beyond the clock skew; `iss` and `aud` are checked when configured.
 */
export class TokenVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];
  private readonly skew: number;

  constructor(private readonly options: AuthModuleOptions) {
    this.skew = options.clockSkewS ?? 30;
    if (options.jwtSecret && options.jwksUrl) throw new Error('set one of AUTH_JWT_SECRET and AUTH_JWKS_URL');
    if (options.jwtSecret) {
      const secret = new TextEncoder().encode(options.jwtSecret);
      if (secret.byteLength < 32) throw new Error('AUTH_JWT_SECRET must be at least 32 bytes');
      this.key = secret;
      this.algorithms = SHARED_SECRET_ALGORITHMS;
    } else if (options.jwksUrl) {
      this.key = createRemoteJWKSet(new URL(options.jwksUrl), {
        cooldownDuration: options.jwksCooldownMs ?? 30_000,
        cacheMaxAge: 10 * 60_000,
        timeoutDuration: 5_000,
      });
      this.algorithms = ASYMMETRIC_ALGORITHMS;
    } else {
      throw new Error('AuthModule needs jwtSecret or jwksUrl');
    }
  }

  /** @throws InvalidTokenError for anything but a valid, current token of the configured issuer. */
  async verify(token: string): Promise<VerifiedToken> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key as Uint8Array, {
        algorithms: this.algorithms,
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTolerance: this.skew,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (err) {
      // A JWKS fetch that failed or timed out says nothing about the token.
      if (err instanceof errors.JWKSTimeout || (err instanceof TypeError && /fetch/i.test(err.message))) {
        throw new AuthUnavailableError('the identity provider keys could not be fetched', { cause: err });
      }
      if (err instanceof errors.JOSEError) throw new InvalidTokenError(describe(err), { cause: err });
      throw err;
    }
    const now = Date.now() / 1000;
    // jose checks `iat` only with maxTokenAge; a token issued in the future is refused here.
    if (typeof payload.iat === 'number' && payload.iat > now + this.skew) {
      throw new InvalidTokenError('the token was issued in the future (iat)');
    }
    const sub = payload.sub!;
    // 64: the width of the owner columns; identity providers' subs (UUIDs, `auth0|...`) are shorter.
    if (sub.length === 0 || sub.length > 64) throw new InvalidTokenError('sub must be 1 to 64 characters');
    const email =
      typeof payload.email === 'string' && payload.email.length <= 320 ? payload.email : undefined;
    const roles = Array.isArray(payload.roles)
      ? payload.roles.filter((r): r is string => typeof r === 'string' && r.length <= 64).slice(0, 32)
      : [];
    const tokenId =
      typeof payload.jti === 'string' && payload.jti.length > 0 && payload.jti.length <= 255
        ? `jti:${payload.jti}`
        : `sha:${tokenDigest(token)}`;
    return { principal: { sub, email, roles, tokenId }, exp: payload.exp! * 1000 };
  }
}

function describe(err: Error): string {
  if (err instanceof errors.JWTExpired) return 'the token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `claim check failed: ${err.message}`;
  if (err instanceof errors.JWKSNoMatchingKey)
    return 'no key of the identity provider matches the token (kid)';
  if (err instanceof errors.JOSEAlgNotAllowed)
    return 'the token is signed with an algorithm that is not accepted';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is invalid';
  if (err instanceof errors.JWKSInvalid) return 'the identity provider keys could not be read';
  return 'the token is malformed';
}
