import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import { httpOf } from '../http/execution.js';
import { setPrincipal } from '../http/principal.js';
import { ProblemException } from '../http/problem.js';
import { IS_PUBLIC, ROLES } from './auth.decorators.js';
import { AuthService } from './auth.service.js';

/** 401 for a route that needs a principal, called without one. */
function credentialsRequired(): ProblemException {
  return new ProblemException(401, 'unauthorized', 'Unauthorized', {
    detail: 'this route needs Authorization: Bearer <token>',
    headers: { 'WWW-Authenticate': 'Bearer' },
  });
}

/**
 * The global guard, registered before every other one (rate limits then track the verified `sub`, and an
 * invalid token is refused before any policy is consumed). Every route needs a principal unless it is
 * `@Public()`; `@Roles()` adds role checks. GraphQL resolvers are checked as routes; other contexts are left alone.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly auth: AuthService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = httpOf<IncomingMessage>(context)?.req;
    if (!req) return true;
    const principal = await this.auth.authenticate(req.headers);
    setPrincipal(req, principal);
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    if (!principal) throw credentialsRequired();
    const roles = this.reflector.getAllAndOverride<string[] | undefined>(ROLES, targets);
    if (roles?.some((r) => !principal.roles.includes(r))) {
      throw new ProblemException(403, 'forbidden', 'Forbidden', {
        detail: `this route needs the role ${roles.join(', ')}`,
      });
    }
    return true;
  }
}
