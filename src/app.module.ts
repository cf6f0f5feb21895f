import { Module } from '@nestjs/common';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import {
  databaseConfig,
  httpConfig,
  idempotencyConfig,
  jobsConfig,
  queueConfig,
  rateLimitConfig,
  redisConfig,
  serverLimitsConfig,
} from './config/app.config.js';
import { DatabaseModule } from './platform/database/index.js';
import { HealthModule } from './platform/health/health.module.js';
import { loggerParams } from './platform/http/logger.js';
import { ProblemFilter } from './platform/http/problem.filter.js';
import { RedisModule } from './platform/redis/index.js';
import { RateLimitModule } from './platform/rate-limit/index.js';
import { MetricsModule } from './platform/metrics/index.js';
import { BenchModule } from './features/bench/bench.module.js';
import { IdempotencyModule } from './platform/idempotency/index.js';
import { PaymentsModule } from './features/payments/payments.module.js';
// --- lock (issue 3) ---
import { lockConfig } from './config/app.config.js';
import { LockModule } from './platform/lock/index.js';
import { BookingsModule } from './features/bookings/bookings.module.js';
// --- cache (issue 6) ---
import { cacheConfig } from './config/app.config.js';
import { CacheModule } from './platform/cache/index.js';
import { CatalogueModule } from './features/catalogue/catalogue.module.js';
// --- queue (issue 7) ---
import { QueueModule } from './platform/queue/index.js';
import { QueueDashboardModule } from './platform/queue/dashboard/queue-dashboard.module.js';
import { NotificationsModule } from './features/notifications/notifications.module.js';
import { ExportsModule } from './features/exports/exports.module.js';
import { WebhooksModule } from './features/webhooks/webhooks.module.js';
// --- end queue ---
// --- data-structure features (issue 8) ---
import { datastructsConfig } from './config/app.config.js';
import { PubSubModule } from './platform/pubsub/index.js';
import { FlagsModule } from './platform/flags/index.js';
import { AnalyticsModule } from './features/analytics/analytics.module.js';
import { LeaderboardsModule } from './features/leaderboards/leaderboards.module.js';
import { UploadsModule } from './features/uploads/uploads.module.js';
import { FeatureFlagsModule } from './features/flags/flags.module.js';
import { EventsModule } from './features/events/events.module.js';
// --- end data-structure features ---

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
    // rate limit: global guard, policies from RATE_LIMIT_*; probe routes only for tests
    RateLimitModule.forRootAsync({
      inject: [rateLimitConfig.KEY],
      useFactory: (rl: ConfigType<typeof rateLimitConfig>) => rl,
      probeRoutes: process.env.RATE_LIMIT_PROBE_ROUTES === '1',
    }),
    MetricsModule,
    IdempotencyModule.forRootAsync({
      inject: [idempotencyConfig.KEY],
      useFactory: (idem: ConfigType<typeof idempotencyConfig>) => idem,
    }),
    // --- lock (issue 3) ---
    LockModule.forRootAsync({
      imports: [ConfigModule.forFeature(lockConfig)],
      inject: [lockConfig.KEY],
      useFactory: (lock: ConfigType<typeof lockConfig>) => lock,
    }),
    // --- cache (issue 6) ---
    CacheModule.forRootAsync({
      imports: [ConfigModule.forFeature(cacheConfig)],
      inject: [cacheConfig.KEY],
      useFactory: (cache: ConfigType<typeof cacheConfig>) => cache,
    }),
    // --- queue (issue 7) ---
    QueueModule.forRootAsync({
      inject: [queueConfig.KEY],
      useFactory: (queue: ConfigType<typeof queueConfig>) => queue,
    }),
    QueueDashboardModule,
    // --- end queue ---
    // --- data-structure features (issue 8): pub/sub and flags are global, then the features ---
    PubSubModule.forRoot({}),
    FlagsModule.forRootAsync({
      imports: [ConfigModule.forFeature(datastructsConfig)],
      inject: [datastructsConfig.KEY],
      useFactory: (c: ConfigType<typeof datastructsConfig>) => ({
        resyncIntervalMs: c.flagsResyncIntervalMs,
      }),
    }),
    // --- end data-structure features ---
    // Feature modules.
    PaymentsModule,
    BookingsModule,
    CatalogueModule,
    // --- queue (issue 7) ---
    NotificationsModule,
    ExportsModule,
    WebhooksModule,
    // --- end queue ---
    // --- data-structure features (issue 8) ---
    AnalyticsModule,
    LeaderboardsModule,
    UploadsModule,
    FeatureFlagsModule,
    EventsModule,
    // --- end data-structure features ---
    ...(process.env.BENCH_ROUTES === '1' ? [BenchModule] : []),
  ],
  providers: [{ provide: APP_FILTER, useClass: ProblemFilter }],
})
export class AppModule {}
