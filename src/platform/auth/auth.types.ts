/** The verified caller of a request, as handlers receive it (`@CurrentPrincipal()`). */
export interface Principal {
  /** The token's `sub`: the customer id, the owner recorded on rows and jobs. */
  sub: string;
  email?: string;
  roles: string[];
  /** The token's `jti`, or the SHA-256 of the token when it has none: what logout revokes. */
  tokenId: string;
}

/** What the session cache keeps per token: the claims and the customer's snapshot. */
export interface Session {
  principal: Principal;
  /** Expiry of the token, epoch ms. */
  exp: number;
  /** The customer record the app keeps for `sub` (null when no directory is configured). */
  customer: CustomerSnapshot | null;
}

/** The app's record of a customer, as cached in the session. */
export interface CustomerSnapshot {
  id: string;
  email: string | null;
  name: string | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * Port: where the app keeps its customers. AuthModule upserts the customer on the first verified request
 * of a `sub` (and whenever the session is reloaded); the app invalidates `customerTag(sub)` when it changes one.
 */
export interface SubjectDirectory {
  upsert(principal: Principal): Promise<CustomerSnapshot>;
}

/** Injection token of the {@link SubjectDirectory} port. */
export const SUBJECT_DIRECTORY = Symbol('SUBJECT_DIRECTORY');

/** The cache tag carried by every session of `sub`: invalidating it reloads them on every instance. */
export function customerTag(sub: string): string {
  return `customer:${sub}`;
}

/** Options of AuthModule.forRoot / forRootAsync: exactly one of `jwtSecret` and `jwksUrl`. */
export interface AuthModuleOptions {
  /** HS256 shared secret (at least 32 bytes). */
  jwtSecret?: string;
  /** JWKS endpoint of an identity provider (RS256, ES256, EdDSA). */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** Tolerance for `exp`, `nbf` and `iat`, in seconds (30). */
  clockSkewS?: number;
  /** The operator credential: a bearer equal to it is the `admin` role. */
  adminToken?: string;
  /** Longest time a verified session stays cached, in seconds (900); never beyond the token's `exp`. */
  sessionTtlS?: number;
  /** Minimum time between two JWKS refetches caused by an unknown `kid`, in ms (30000). */
  jwksCooldownMs?: number;
}

/** Injection token of the module options. */
export { AUTH_MODULE_OPTIONS } from './auth.module-definition.js';
