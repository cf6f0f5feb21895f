import { Module } from '@nestjs/common';
import { KeyBuilder } from './key-builder.js';
import { LuaScripts } from './lua-scripts.js';
import { RedisConnection } from './redis.connection.js';
import { REDIS_MODULE_OPTIONS, RedisConfigurableModule } from './redis.module-definition.js';
import { REDIS_CLIENT, type RedisModuleOptions } from './redis.types.js';

/**
 * One ioredis client for standalone, Sentinel, Cluster or the embedded server, plus the KeyBuilder and
 * the Lua scripts of every platform module (registered once, called by SHA).
 * @example
 * RedisModule.forRootAsync({ inject: [redisConfig.KEY], useFactory: (c: ConfigType<typeof redisConfig>) => c })
 */
@Module({
  providers: [
    {
      provide: RedisConnection,
      inject: [REDIS_MODULE_OPTIONS],
      useFactory: async (options: RedisModuleOptions) => {
        const connection = new RedisConnection();
        await connection.init(options);
        return connection;
      },
    },
    { provide: REDIS_CLIENT, inject: [RedisConnection], useFactory: (c: RedisConnection) => c.client },
    { provide: LuaScripts, inject: [RedisConnection], useFactory: (c: RedisConnection) => c.scripts },
    {
      provide: KeyBuilder,
      inject: [REDIS_MODULE_OPTIONS],
      useFactory: (o: RedisModuleOptions) => new KeyBuilder(o.keyPrefix),
    },
  ],
  exports: [RedisConnection, REDIS_CLIENT, LuaScripts, KeyBuilder],
})
export class RedisModule extends RedisConfigurableModule {}
