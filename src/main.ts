// First: V8's GC settings must be in place before the app allocates (see v8-tuning.ts).
import './v8-tuning.js';
import 'reflect-metadata';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger, PinoLogger } from 'nestjs-pino';
import type { ConfigType } from '@nestjs/config';
import { httpConfig, serverLimitsConfig } from './config/app.config.js';
import { ConfigError, validateEnv } from './config/env.schema.js';
import { AppModule } from './app.module.js';
import { embeddedRedisMissing } from './platform/redis/embedded-redis.js';
import { createHttpApp, useFirstMiddleware } from './platform/http/http-app.js';
import { createValidationPipe } from './platform/http/validation.js';
import { HealthRegistry } from './platform/health/health.registry.js';
import { applyInputBoundary } from './platform/http/input-boundary.js';
import { applyServerLimits } from './platform/http/server-limits.js';
import { indexExpressRoutes } from './platform/http/express-route-index.js';
import { declareProblemResponses } from './platform/http/openapi-problems.js';
import { requestContext } from './platform/http/request-context.js';
import { MetricsService } from './platform/metrics/index.js';
import { DASHBOARD_ROUTE } from './platform/queue/dashboard/queue-dashboard.module.js';
import { GRAPHQL_PATH } from './features/graphql/graphql.module.js';

/** Where the OpenAPI document and its UI are served. */
const DOCS_PATH = '/docs';

/** Hard stop if draining and closing connections hang: an orchestrator's SIGKILL is worse. */
const SHUTDOWN_DEADLINE_MS = 10_000;

async function bootstrap(): Promise<void> {
  try {
    validateEnv(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`configuration error: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const redisMissing = embeddedRedisMissing(process.env);
  if (redisMissing) {
    console.error(redisMissing);
    process.exit(1);
  }

  // HTTP_ADAPTER: Express (default) or Fastify; body parsers come from applyInputBoundary on both.
  const app = await createHttpApp(AppModule, httpConfig(), { bufferLogs: true });
  const http = app.get<ReturnType<typeof httpConfig>>(httpConfig.KEY);
  app.useLogger(app.get(Logger));
  // First middleware: the request id, access log and duration metric cover every request, 404s included.
  useFirstMiddleware(
    app,
    requestContext({
      logger: PinoLogger.root,
      duration: app.get(MetricsService).httpDuration(),
      // Apps mounted as middleware on Express: counted under their mount, not as unmatched.
      mounts: [GRAPHQL_PATH, DASHBOARD_ROUTE, DOCS_PATH],
    }),
  );
  applyInputBoundary(app, { bodyLimitKb: http.bodyLimitKb });
  applyServerLimits(
    app.getHttpServer(),
    app.get<ConfigType<typeof serverLimitsConfig>>(serverLimitsConfig.KEY),
  );
  app.useGlobalPipes(createValidationPipe());

  const document = declareProblemResponses(
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('nest-redis-platform')
        .setDescription(
          'REST API with declarative Redis behaviour: cache, locks, rate limits, idempotency, queues',
        )
        .setVersion('0.1.0')
        .addBearerAuth()
        .build(),
    ),
  );
  SwaggerModule.setup(DOCS_PATH.slice(1), app, document, { jsonDocumentUrl: 'docs-json' });

  // Ends with process.exit, not by re-raising the signal: the log is written in blocks, and what the
  // shutdown logged is flushed by the exit handlers, which a signal's default action skips.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  const health = app.get(HealthRegistry);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      // Out of the load balancer at once: the shutdown hooks that set this flag run after module destroy.
      health.shuttingDown = true;
      setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS).unref();
    });
  }
  await app.init();
  if (app.getHttpAdapter().getType() === 'express') {
    // Every route is registered now: look them up by first path segment instead of walking them all.
    indexExpressRoutes(app.getHttpAdapter().getInstance());
  }
  await app.listen(http.port, http.host);
  // The log goes out in 4 KB blocks or every 100 ms: the boot lines (warnings among them) go out now.
  PinoLogger.root.flush();
}

process.on('unhandledRejection', (reason) => {
  // Logged, not fatal: one stray promise must not take every in-flight request down with it.
  console.error('unhandled rejection', reason);
});

bootstrap().catch((err: unknown) => {
  const e = err as { code?: string; message?: string };
  console.error(e.code === 'REDIS_BINARY_MISSING' ? e.message : `boot failed: ${e.message ?? String(err)}`);
  process.exit(1);
});
