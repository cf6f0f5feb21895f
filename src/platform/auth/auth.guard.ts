import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import { httpOf } from '../http/execution.js';
import { setPrincipal } from '../http/principal.js';
import type { Principal } from './auth.types.js';
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

  /** Per handler and controller: `@Public()` and `@Roles()`, read once instead of on every request. */
  private readonly rules = new WeakMap<object, Map<object, RouteRules>>();

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const req = httpOf<IncomingMessage>(context)?.req;
    if (!req) return true;
    const rules = this.rulesOf(context.getHandler(), context.getClass());
    const principal = this.auth.authenticate(req.headers);
    // Anonymous, operator and warm sessions are decided without a promise.
    if (!(principal instanceof Promise)) return this.admit(req, principal, rules);
    return principal.then((p) => this.admit(req, p, rules));
  }

  private admit(req: IncomingMessage, principal: Principal | null, rules: RouteRules): boolean {
    setPrincipal(req, principal);
    if (rules.isPublic) return true;
    if (!principal) throw credentialsRequired();
    const roles = rules.roles;
    if (roles?.some((r) => !principal.roles.includes(r))) {
      throw new ProblemException(403, 'forbidden', 'Forbidden', {
        detail: `this route needs the role ${roles.join(', ')}`,
      });
    }
    return true;
  }

  private rulesOf(handler: object, controller: object): RouteRules {
    let byClass = this.rules.get(handler);
    if (!byClass) this.rules.set(handler, (byClass = new Map()));
    let rules = byClass.get(controller);
    if (!rules) {
      const targets = [handler, controller] as Parameters<Reflector['getAllAndOverride']>[1];
      rules = {
        isPublic: this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets) === true,
        roles: this.reflector.getAllAndOverride<string[] | undefined>(ROLES, targets),
      };
      byClass.set(controller, rules);
    }
    return rules;
  }
}

interface RouteRules {
  isPublic: boolean;
  roles: string[] | undefined;
}
