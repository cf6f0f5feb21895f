import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { httpOf } from '../http/execution.js';
import { principalOf } from '../http/principal.js';
import type { Principal } from './auth.types.js';

/** Metadata key of {@link Public}. */
export const IS_PUBLIC = 'auth:public';
/** Metadata key of {@link Roles}. */
export const ROLES = 'auth:roles';

/**
 * Opens a route (or every route of a controller) to anonymous callers. A request that does carry a token
 * still has it verified: an invalid token is 401 everywhere.
 */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/**
 * Restricts a route to principals holding every one of `roles` (`admin` also via ADMIN_TOKEN): 401 without
 * credentials, 403 with credentials that lack a role.
 * @example @Roles('admin') @Patch(':id') update(...) {}
 */
export const Roles = (...roles: string[]) => SetMetadata(ROLES, roles);

/**
 * The verified principal of the request (`{ sub, email, roles, tokenId }`), or undefined on a public
 * route called anonymously.
 * @example list(@CurrentPrincipal() me: Principal) { return this.payments.list(me.sub); }
 */
export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal | undefined => principalOf(httpOf<object>(ctx)?.req ?? {}),
);

/** True when `principal` holds the `admin` role. */
export function isAdmin(principal: Principal | undefined | null): boolean {
  return principal?.roles.includes('admin') ?? false;
}

/** The owner a query must be narrowed to: the caller's `sub`, or undefined (every owner) for an admin. */
export function ownerFilter(principal: Principal): string | undefined {
  return isAdmin(principal) ? undefined : principal.sub;
}
