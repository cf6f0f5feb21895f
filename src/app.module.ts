import { Module } from '@nestjs/common';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import {
  authConfig,
  cacheConfig,
  databaseConfig,
  datastructsConfig,
  httpConfig,
  idempotencyConfig,
  jobsConfig,
  lockConfig,
  queueConfig,
  rateLimitConfig,
  redisConfig,
  serverLimitsConfig,
} from './config/app.config.js';
import { CacheModule } from './platform/cache/index.js';
import { DatabaseModule } from './platform/database/index.js';
import { AuthModule } from './platform/auth/index.js';
import { CustomersModule } from './features/customers/customers.module.js';
import { FlagsModule } from './platform/flags/index.js';
import { HealthModule } from './platform/health/health.module.js';
import { loggerParams } from './platform/http/logger.js';
import { ProblemFilter } from './platform/http/problem.filter.js';
import { IdempotencyModule } from './platform/idempotency/index.js';
import { LockModule } from './platform/lock/index.js';
import { MetricsModule } from './platform/metrics/index.js';
import { PubSubModule } from './platform/pubsub/index.js';
import { QueueDashboardModule } from './platform/queue/dashboard/queue-dashboard.module.js';
import { QueueModule } from './platform/queue/index.js';
import { RateLimitModule } from './platform/rate-limit/index.js';
import { RedisModule } from './platform/redis/index.js';
import { AnalyticsModule } from './features/analytics/analytics.module.js';
import { BenchModule } from './features/bench/bench.module.js';
import { BookingsModule } from './features/bookings/bookings.module.js';
import { CatalogueModule } from './features/catalogue/catalogue.module.js';
import { EventsModule } from './features/events/events.module.js';
import { ExportsModule } from './features/exports/exports.module.js';
import { FeatureFlagsModule } from './features/flags/flags.module.js';
import { GraphQLApiModule } from './features/graphql/graphql.module.js';
import { LeaderboardsModule } from './features/leaderboards/leaderboards.module.js';
import { NotificationsModule } from './features/notifications/notifications.module.js';
import { PaymentsModule } from './features/payments/payments.module.js';
import { UploadsModule } from './features/uploads/uploads.module.js';
import { WebhooksModule } from './features/webhooks/webhooks.module.js';
import { testOnlyModules } from './testing/test-only.modules.js';

/** The platform modules, then the feature modules that use them. */
@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      ignoreEnvFile: true,
      load: [
        httpConfig,
        redisConfig,
        databaseConfig,
        rateLimitConfig,
        idempotencyConfig,
        queueConfig,
        jobsConfig,
        authConfig,
        serverLimitsConfig,
      ],
    }),
    LoggerModule.forRootAsync({
      inject: [httpConfig.KEY],
      useFactory: (http: ConfigType<typeof httpConfig>) => loggerParams(http.logLevel),
    }),
    RedisModule.forRootAsync({
      inject: [redisConfig.KEY],
      useFactory: (redis: ConfigType<typeof redisConfig>) => redis,
    }),
    DatabaseModule.forRootAsync({
      inject: [databaseConfig.KEY],
      useFactory: (db: ConfigType<typeof databaseConfig>) => ({ url: db.url, pgliteDir: db.pgliteDir }),
    }),
    HealthModule,
    // Identity before rate limits: its global guard must run first (limits track the verified sub).
    AuthModule.forRootAsync({
      imports: [CustomersModule],
      inject: [authConfig.KEY],
      useFactory: (auth: ConfigType<typeof authConfig>) => auth,
    }),
    // rate limit: global guard, policies from RATE_LIMIT_*
    RateLimitModule.forRootAsync({
      inject: [rateLimitConfig.KEY],
      useFactory: (rl: ConfigType<typeof rateLimitConfig>) => rl,
    }),
    MetricsModule,
    IdempotencyModule.forRootAsync({
      inject: [idempotencyConfig.KEY],
      useFactory: (idem: ConfigType<typeof idempotencyConfig>) => idem,
    }),
    LockModule.forRootAsync({
      imports: [ConfigModule.forFeature(lockConfig)],
      inject: [lockConfig.KEY],
      useFactory: (lock: ConfigType<typeof lockConfig>) => lock,
    }),
    CacheModule.forRootAsync({
      imports: [ConfigModule.forFeature(cacheConfig)],
      inject: [cacheConfig.KEY],
      useFactory: (cache: ConfigType<typeof cacheConfig>) => cache,
    }),
    QueueModule.forRootAsync({
      inject: [queueConfig.KEY],
      useFactory: (queue: ConfigType<typeof queueConfig>) => queue,
    }),
    QueueDashboardModule,
    // Pub/sub and flags are global: the features below use them.
    PubSubModule.forRoot({}),
    FlagsModule.forRootAsync({
      imports: [ConfigModule.forFeature(datastructsConfig)],
      inject: [datastructsConfig.KEY],
      useFactory: (c: ConfigType<typeof datastructsConfig>) => ({
        resyncIntervalMs: c.flagsResyncIntervalMs,
      }),
    }),
    // Feature modules.
    PaymentsModule,
    BookingsModule,
    CatalogueModule,
    NotificationsModule,
    ExportsModule,
    WebhooksModule,
    AnalyticsModule,
    LeaderboardsModule,
    UploadsModule,
    FeatureFlagsModule,
    EventsModule,
    GraphQLApiModule,
    ...(process.env.BENCH_ROUTES === '1' ? [BenchModule] : []),
    ...testOnlyModules(),
  ],
  providers: [{ provide: APP_FILTER, useClass: ProblemFilter }],
})
export class AppModule {}
