import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthController } from './auth.controller.js';
import { AuthGuard } from './auth.guard.js';
import { AuthConfigurableModule } from './auth.module-definition.js';
import { AuthService } from './auth.service.js';

/**
 * Verified identity for every route: a global guard that checks `Authorization: Bearer <JWT>` (HS256 secret
 * or a JWKS endpoint, with jose), sessions cached through CacheModule, revocation (`POST /auth/logout`),
 * `GET /auth/me`. Import it before RateLimitModule, so its guard runs first. Needs RedisModule and CacheModule.
 * @example
 * AuthModule.forRootAsync({ imports: [CustomersModule], inject: [authConfig.KEY], useFactory: (a) => a })
 */
@Module({
  controllers: [AuthController],
  providers: [AuthService, AuthGuard, { provide: APP_GUARD, useExisting: AuthGuard }],
  exports: [AuthService],
})
export class AuthModule extends AuthConfigurableModule {}
