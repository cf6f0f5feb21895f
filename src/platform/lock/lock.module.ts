import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { LockExplorer } from './lock.explorer.js';
import { LockInterceptor } from './lock.interceptor.js';
import { LockConfigurableModule } from './lock.module-definition.js';
import { LockService } from './lock.service.js';

/**
 * Distributed locks with fencing tokens: LockService, `@WithLock` on routes (LockInterceptor) and on
 * service methods (LockExplorer), `@FencingToken()`. Needs RedisModule. Global.
 * @example
 * LockModule.forRoot({ defaultTtlMs: 10_000 })
 */
@Module({
  imports: [DiscoveryModule],
  providers: [LockService, LockInterceptor, LockExplorer],
  exports: [LockService, LockInterceptor],
})
export class LockModule extends LockConfigurableModule {}
