import { Injectable, NotFoundException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ProblemException } from './problem.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Checks `Authorization: Bearer <ADMIN_TOKEN>` in constant time; true when it matches. */
export function isAdminRequest(authorization: string | undefined, adminToken: string): boolean {
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  // Comparing fixed-length digests keeps the comparison constant-time whatever the lengths.
  return Boolean(match) && timingSafeEqual(digest(match![1]!), digest(adminToken));
}

/**
 * Guards admin routes: 404 when `ADMIN_TOKEN` is not configured (the routes do not exist), 401 with
 * `WWW-Authenticate: Bearer` without the right token.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  private readonly token?: string;

  constructor(config: ConfigService) {
    this.token = config.get<string>('http.adminToken');
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.token) throw new NotFoundException();
    const req = context.switchToHttp().getRequest<Request>();
    if (!isAdminRequest(req.headers.authorization, this.token)) {
      throw new ProblemException(401, 'unauthorized', 'Unauthorized', {
        detail: 'this route needs Authorization: Bearer <ADMIN_TOKEN>',
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
    }
    return true;
  }
}
