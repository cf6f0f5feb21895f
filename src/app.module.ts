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
  redisConfig,
} from './config/app.config.js';
import { DatabaseModule } from './platform/database/index.js';
import { HealthModule } from './platform/health/health.module.js';
import { loggerParams } from './platform/http/logger.js';
import { ProblemFilter } from './platform/http/problem.filter.js';
import { RedisModule } from './platform/redis/index.js';
import { MetricsModule } from './platform/metrics/index.js';
import { BenchModule } from './features/bench/bench.module.js';
import { IdempotencyModule } from './platform/idempotency/index.js';
import { PaymentsModule } from './features/payments/payments.module.js';
// --- queue (issue 7) ---
import { QueueModule } from './platform/queue/index.js';
import { QueueDashboardModule } from './platform/queue/dashboard/queue-dashboard.module.js';
import { NotificationsModule } from './features/notifications/notifications.module.js';
import { ExportsModule } from './features/exports/exports.module.js';
import { WebhooksModule } from './features/webhooks/webhooks.module.js';
// --- end queue ---

/** The platform modules, then the feature modules that use them. */
@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      ignoreEnvFile: true,
      load: [httpConfig, redisConfig, databaseConfig, idempotencyConfig, queueConfig, jobsConfig],
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
    MetricsModule,
    IdempotencyModule.forRootAsync({
      inject: [idempotencyConfig.KEY],
      useFactory: (idem: ConfigType<typeof idempotencyConfig>) => idem,
    }),
    // --- queue (issue 7) ---
    QueueModule.forRootAsync({
      inject: [queueConfig.KEY],
      useFactory: (queue: ConfigType<typeof queueConfig>) => queue,
    }),
    QueueDashboardModule,
    // --- end queue ---
    // Feature modules.
    PaymentsModule,
    // --- queue (issue 7) ---
    NotificationsModule,
    ExportsModule,
    WebhooksModule,
    // --- end queue ---
    ...(process.env.BENCH_ROUTES === '1' ? [BenchModule] : []),
  ],
  providers: [{ provide: APP_FILTER, useClass: ProblemFilter }],
})
export class AppModule {}
