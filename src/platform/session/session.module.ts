import { Module } from '@nestjs/common';
import { SessionStore } from './session.store.js';

/** TTL'd session records over RedisModule (no options: each call names its TTL). */
@Module({ providers: [SessionStore], exports: [SessionStore] })
export class SessionModule {}
