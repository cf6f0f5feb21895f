import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module } from '@nestjs/common';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import { GraphQLModule } from '@nestjs/graphql';
import type { Cluster, Redis } from 'ioredis';
import { graphqlConfig } from '../../config/app.config.js';
import { AuthService } from '../../platform/auth/index.js';
import { CacheService } from '../../platform/cache/index.js';
import {
  aliasLimit,
  cachedHitLimiter,
  depthLimit,
  formatGraphQLError,
  operationCachePlugin,
  RedisApqStore,
} from '../../platform/graphql/index.js';
import {
  RATE_LIMIT_MODULE_OPTIONS,
  RateLimiter,
  type RateLimitModuleOptions,
} from '../../platform/rate-limit/index.js';
import { KeyBuilder, REDIS_CLIENT } from '../../platform/redis/index.js';
import { BookingsModule } from '../bookings/bookings.module.js';
import { CatalogueModule } from '../catalogue/catalogue.module.js';
import { LeaderboardsModule } from '../leaderboards/leaderboards.module.js';
import { PaymentsModule } from '../payments/payments.module.js';
import { BookingsResolver } from './bookings.resolver.js';
import { CatalogueResolver } from './catalogue.resolver.js';
import { LeaderboardsResolver } from './leaderboards.resolver.js';
import { PaymentsResolver } from './payments.resolver.js';

/** Where the GraphQL endpoint is served. */
export const GRAPHQL_PATH = '/graphql';

/**
 * `/graphql` (code first, Apollo Server 5): the catalogue, bookings, payments and leaderboards over the
 * same services as REST, with the same guards and decorators. The driver's options are adapter-neutral:
 * the context reads `{ req, res }` (Express) or `(request, reply)` (Fastify).
 */
@Module({
  imports: [
    CatalogueModule,
    BookingsModule,
    PaymentsModule,
    LeaderboardsModule,
    GraphQLModule.forRootAsync<ApolloDriverConfig>({
      driver: ApolloDriver,
      imports: [ConfigModule.forFeature(graphqlConfig)],
      inject: [
        graphqlConfig.KEY,
        CacheService,
        AuthService,
        REDIS_CLIENT,
        KeyBuilder,
        RateLimiter,
        RATE_LIMIT_MODULE_OPTIONS,
      ],
      useFactory: (
        gql: ConfigType<typeof graphqlConfig>,
        cache: CacheService,
        auth: AuthService,
        redis: Redis | Cluster,
        keys: KeyBuilder,
        limiter: RateLimiter,
        rateLimits: RateLimitModuleOptions,
      ): ApolloDriverConfig => ({
        path: GRAPHQL_PATH,
        // Apollo's stop drains (closes) the HTTP server. Not on module destroy, which is before the app's
        // own drain (running jobs finishing while /health/live answers 503): after it, with the app.
        stopOnApplicationShutdown: true,
        autoSchemaFile: true,
        sortSchema: true,
        introspection: !gql.production,
        graphiql: false,
        includeStacktraceInErrorResponses: false,
        autoTransformHttpErrors: false,
        formatError: formatGraphQLError,
        context: (a: { req?: unknown; res?: unknown }, reply?: unknown) =>
          a && typeof a === 'object' && 'req' in a ? { req: a.req, res: a.res } : { req: a, res: reply },
        parseOptions: { maxTokens: gql.maxTokens },
        validationRules: [depthLimit(gql.maxDepth), aliasLimit(gql.maxAliases)],
        persistedQueries: {
          cache: new RedisApqStore(redis, keys, {
            ttlSeconds: gql.apqTtlSeconds,
            maxDocumentLength: gql.apqMaxDocumentLength,
          }),
          ttl: gql.apqTtlSeconds,
        },
        plugins: [
          operationCachePlugin(cache, auth, {
            enabled: gql.resultCache,
            limitHit: cachedHitLimiter(limiter, keys, rateLimits.policies),
            limits: {
              maxDepth: gql.maxDepth,
              maxAliases: gql.maxAliases,
              maxComplexity: gql.maxComplexity,
            },
          }),
        ],
      }),
    }),
  ],
  providers: [CatalogueResolver, BookingsResolver, PaymentsResolver, LeaderboardsResolver],
})
export class GraphQLApiModule {}
