import { Inject, Injectable, Optional } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { CacheService } from '../cache/cache.service.js';
import { ProblemException, serviceUnavailable } from '../http/problem.js';
import { KeyBuilder, REDIS_CLIENT, type RedisClient } from '../redis/index.js';
import {
  AUTH_MODULE_OPTIONS,
  customerTag,
  SUBJECT_DIRECTORY,
  type AuthModuleOptions,
  type Principal,
  type Session,
  type SubjectDirectory,
} from './auth.types.js';
import { AuthUnavailableError, InvalidTokenError, tokenDigest, TokenVerifier } from './auth.verifier.js';

const NAMESPACE = 'session';
const BEARER = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)[ ]*$/i;
const MEMO_MAX = 10_000;
const digest = (value: string) => createHash('sha256').update(value).digest();

/** The principal of `ADMIN_TOKEN`: the operator, with the admin role. */
export const OPERATOR: Principal = Object.freeze({
  sub: 'operator',
  roles: ['admin'],
  tokenId: 'admin-token',
}) as Principal;

/** 401 with `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750). */
export function invalidToken(detail: string, cause?: unknown): ProblemException {
  return new ProblemException(401, 'invalid-token', 'Unauthorized', {
    detail,
    cause,
    headers: {
      'WWW-Authenticate': `Bearer error="invalid_token", error_description="${detail.replace(/"/g, "'")}"`,
    },
  });
}

/** A request's bearer token, if it carries one (any other Authorization scheme is no credential here). */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (!auth) return undefined;
  const match = BEARER.exec(auth);
  if (match) return match[1];
  if (/^Bearer\b/i.test(auth)) throw invalidToken('the bearer token is malformed');
  return undefined;
}

/**
 * Authenticates requests. A token's session (its claims and the customer's snapshot) is cached through
 * CacheService under `session:t:<sha-256 of the token>`, for the token's remaining life and at most
 * `sessionTtlS`: a warm session costs no Redis command and no SQL query, and the signature is not checked
 * again (the entry exists only because a verification succeeded). A cold one is verified with jose, then
 * loaded once across instances: revocation checked (1 Redis command), customer upserted (1 query).
 * Logout writes the revocation and deletes the session everywhere before it returns (the cache's
 * acknowledged bus), so no instance accepts the token afterwards.
 */
@Injectable()
export class AuthService {
  private readonly verifier: TokenVerifier;
  private readonly adminDigest?: Buffer;
  private readonly sessionTtlMs: number;
  /** Parsed sessions, reused while the cache's in-memory copy is the same text. */
  private readonly memo = new Map<string, { text: string; session: Session }>();

  constructor(
    @Inject(AUTH_MODULE_OPTIONS) options: AuthModuleOptions,
    private readonly cache: CacheService,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly keys: KeyBuilder,
    @Optional() @Inject(SUBJECT_DIRECTORY) private readonly directory?: SubjectDirectory,
  ) {
    this.verifier = new TokenVerifier(options);
    if (options.adminToken) this.adminDigest = digest(options.adminToken);
    this.sessionTtlMs = (options.sessionTtlS ?? 900) * 1000;
  }

  /**
   * The verified principal of a request, or null without credentials.
   * @throws ProblemException 401 for an invalid, expired or revoked token; 503 when it cannot be checked now.
   */
  authenticate(headers: IncomingHttpHeaders): Principal | null | Promise<Principal | null> {
    const token = bearerToken(headers);
    if (token === undefined) return null;
    // One SHA-256 of the token serves the constant-time ADMIN_TOKEN check and the session's cache key.
    const hash = digest(token);
    if (this.adminDigest && timingSafeEqual(hash, this.adminDigest)) return OPERATOR;
    const id = hash.toString('hex');
    // Synchronous when nothing has to be awaited (anonymous, operator, warm session): no promise per request.
    const warm = this.warm(id);
    if (warm) return warm.principal;
    return this.session(token, id).then((s) => s.principal);
  }

  /** True when `token` is ADMIN_TOKEN (constant-time). */
  isAdminToken(token: string): boolean {
    return this.adminDigest !== undefined && timingSafeEqual(digest(token), this.adminDigest);
  }

  /** The session of a token (verified, not revoked, not expired); `id` is its SHA-256 when known. */
  async session(token: string, id = tokenDigest(token)): Promise<Session> {
    const warm = this.warm(id);
    if (warm) return warm;
    let verified;
    try {
      verified = await this.verifier.verify(token);
    } catch (err) {
      if (err instanceof InvalidTokenError) throw invalidToken(err.message, err);
      if (err instanceof AuthUnavailableError) throw serviceUnavailable(err.message, 5, err);
      throw err;
    }
    const ttl = Math.min(verified.exp - Date.now(), this.sessionTtlMs);
    if (ttl <= 0) throw invalidToken('the token has expired');
    const session = await this.cache.getOrSet<Session>(
      ['t', id],
      async () => {
        if (await this.isRevoked(verified.principal.tokenId)) throw invalidToken('the token was revoked');
        const customer = this.directory ? await this.directory.upsert(verified.principal) : null;
        return { principal: verified.principal, exp: verified.exp, customer };
      },
      { namespace: NAMESPACE, ttl, grace: 0, tags: [customerTag(verified.principal.sub)] },
    );
    return session;
  }

  /**
   * Revokes `token` until it expires, on every instance: once this returns, no instance accepts it.
   * @throws ProblemException 503 when Redis cannot record the revocation.
   */
  async logout(token: string, principal: Principal, exp: number): Promise<void> {
    const ttlMs = Math.max(exp - Date.now(), 1000);
    try {
      await this.redis.set(this.revocationKey(principal.tokenId), '1', 'PX', ttlMs);
    } catch (err) {
      throw serviceUnavailable('the logout could not be recorded; try again', 1, err);
    }
    const id = tokenDigest(token);
    this.memo.delete(id);
    await this.cache.delete(['t', id], { namespace: NAMESPACE });
  }

  private warm(id: string): Session | undefined {
    const text = this.cache.peekText(['t', id], { namespace: NAMESPACE });
    if (text === undefined) return undefined;
    let memo = this.memo.get(id);
    if (memo?.text !== text) {
      if (this.memo.size >= MEMO_MAX) this.memo.clear();
      memo = { text, session: JSON.parse(text) as Session };
      this.memo.set(id, memo);
    }
    return memo.session.exp > Date.now() ? memo.session : undefined;
  }

  private async isRevoked(tokenId: string): Promise<boolean> {
    try {
      return (await this.redis.exists(this.revocationKey(tokenId))) === 1;
    } catch (err) {
      // Fail closed: a token whose revocation cannot be read is not accepted cold (warm sessions go on).
      throw serviceUnavailable('the session cannot be checked now', 1, err);
    }
  }

  private revocationKey(tokenId: string): string {
    const [kind, value] = [tokenId.slice(0, 3), tokenId.slice(4)];
    return this.keys.key('session', 'revoked', kind, value);
  }
}
