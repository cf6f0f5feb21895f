import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestContext } from '@apollo/server';
import { Logger } from '@nestjs/common';
import {
  execute,
  getVariableValues,
  Kind,
  type FragmentDefinitionNode,
  type GraphQLError,
  type GraphQLFormattedError,
} from 'graphql';
import type { AuthService } from '../auth/auth.service.js';
import { cacheScope } from '../cache/cache.http-key.js';
import type { CacheService } from '../cache/cache.service.js';
import type { CacheStatus } from '../cache/cache.types.js';
import { setPrincipal } from '../http/principal.js';
import { formatGraphQLError, problemAsGraphQLError } from './gql.errors.js';
import type { HitVerdict } from './gql.hit-limit.js';
import { checkComplexity, type GraphQLLimits } from './gql.limits.js';
import { documentHash, inSelectionOrder, operationPolicy, variablesHash } from './gql.operation-key.js';

/** The GraphQL context of a request over HTTP (Express; Fastify passes its request and reply). */
export interface GraphQLHttpContext {
  req: { headers: Record<string, string | string[] | undefined> } & object;
  res?: unknown;
}

/** Namespace of operation results in the cache: keys `{prefix}:cache:{gql:op:...}`. */
export const GQL_CACHE_NAMESPACE = 'gql';

/** An operation whose execution had errors: answered, never cached. */
class Uncacheable extends Error {
  constructor(
    readonly errors: readonly GraphQLError[],
    readonly data: unknown,
  ) {
    super('operation had errors');
  }
}

/** Options of the operation result cache and the request checks around it. */
export interface GraphQLOperationCacheOptions {
  /** false: no operation is cached (every answer `X-Cache: BYPASS`). */
  enabled: boolean;
  /** The global rate limits of an answer from the cache (cachedHitLimiter); none when absent. */
  limitHit?: (req: object) => Promise<HitVerdict>;
  limits: GraphQLLimits;
}

/**
 * The Apollo Server plugin of the platform:
 * - refuses operations above the complexity limit (400) once their variables are known;
 * - serves queries from the operation result cache: key from the normalised document, the operation
 *   name, the canonical variables and the caller's scope (`pub`, or the principal), TTL the lowest
 *   `@CacheControl` hint of the fields selected (a root field without one: not cached), tags from the
 *   hints. Entries live in CacheService (L1 + Redis, single flight, tags invalidated on every instance), so
 *   one `@CacheEvict` drops REST and GraphQL entries together. `X-Cache` says HIT, MISS, STALE or BYPASS;
 *   the cache's metrics count them under namespace `gql`;
 * - answers an unknown persisted-query hash with 400 (Apollo's default is 200).
 * On a hit no resolver runs, so resolver guards do not run either: the token of a request is still
 * verified (401 when invalid), PRIVATE entries are only ever served to their principal, and the global
 * rate limits are counted by `limitHit`.
 */
export function operationCachePlugin(
  cache: CacheService,
  auth: AuthService,
  options: GraphQLOperationCacheOptions,
): ApolloServerPlugin<GraphQLHttpContext> {
  const logger = new Logger('GraphQL-Cache');
  return {
    async requestDidStart() {
      let status: CacheStatus | undefined;
      return {
        async didResolveOperation(rc) {
          checkComplexity(
            rc.schema,
            rc.document,
            rc.operationName ?? undefined,
            rc.request.variables,
            options.limits.maxComplexity,
          );
        },
        async responseForOperation(rc) {
          if (rc.operation?.operation !== 'query') return null;
          status = 'BYPASS';
          if (!options.enabled) return null;
          const coerced = getVariableValues(
            rc.schema,
            rc.operation.variableDefinitions ?? [],
            rc.request.variables ?? {},
          );
          if (coerced.errors) return null;
          const policy = operationPolicy(rc.schema, rc.document, rc.operation, coerced.coerced);
          if (!policy) return null;
          const req = rc.contextValue.req;
          if (req.headers.authorization !== undefined) {
            // Guards do not run on a hit: an invalid token is refused here, as the guard would.
            try {
              setPrincipal(req, await auth.authenticate(req.headers as never));
            } catch (err) {
              return errorResponse([problemAsGraphQLError(err)]);
            }
          }
          const key = [
            'op',
            documentHash(rc.document, rc.operationName),
            variablesHash(rc.request.variables),
            ...cacheScope(req as never, policy.scope === 'PUBLIC'),
          ];
          const loader = async () => {
            const result = await execute({
              schema: rc.schema,
              document: rc.document,
              contextValue: rc.contextValue,
              variableValues: rc.request.variables,
              operationName: rc.request.operationName,
            });
            if (result.errors?.length) throw new Uncacheable(result.errors, result.data);
            // The filler's query text: the same text later is answered as stored, without reordering.
            return { q: rc.queryHash, d: result.data };
          };
          try {
            const found = await cache.fetch(key, loader, {
              namespace: GQL_CACHE_NAMESPACE,
              ttl: policy.maxAgeMs,
              tags: policy.tags,
            });
            status = found.status;
            if (options.limitHit && status !== 'MISS' && status !== 'BYPASS') {
              // No resolver ran, so no guard did: the global limits are counted here instead.
              const verdict = await options.limitHit(req);
              for (const [k, v] of Object.entries(verdict.headers))
                rc.response.http.headers.set(k.toLowerCase(), v);
              if (verdict.refused) return errorResponse([verdict.refused]);
            }
            let data: unknown = found.value.d;
            if (found.value.q !== rc.queryHash) {
              const fragments = new Map(
                rc.document.definitions
                  .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
                  .map((f) => [f.name.value, f]),
              );
              data = inSelectionOrder(data, rc.operation.selectionSet, fragments);
            }
            return {
              http: { status: undefined, headers: new HeaderMap() },
              body: { kind: 'single', singleResult: { data: data as Record<string, unknown> } },
            };
          } catch (err) {
            if (!(err instanceof Uncacheable)) {
              logger.error({ err }, 'operation cache failed');
              throw err;
            }
            status = 'BYPASS';
            return errorResponse(err.errors, err.data);
          }
        },
        async willSendResponse(rc) {
          if (status) rc.response.http.headers.set('x-cache', status);
          const body = rc.response.body;
          if (
            body.kind === 'single' &&
            body.singleResult.errors?.some((e) => e.extensions?.code === 'PERSISTED_QUERY_NOT_FOUND')
          ) {
            rc.response.http.status = 400;
          }
        },
      };
    },
  };
}

/** A response for errors of the cached path, formatted as Apollo formats the others. */
function errorResponse(errors: readonly GraphQLError[], data?: unknown) {
  const http = { status: undefined as number | undefined, headers: new HeaderMap() };
  const formatted: GraphQLFormattedError[] = errors.map((error) => {
    const ext = (error.extensions ?? {}) as { http?: { status?: number; headers?: Map<string, string> } };
    if (ext.http?.status) http.status = ext.http.status;
    for (const [k, v] of ext.http?.headers ?? []) http.headers.set(k, v);
    const { http: _http, ...extensions } = error.extensions ?? {};
    return formatGraphQLError({ ...error.toJSON(), extensions }, error);
  });
  if (data === undefined && !http.status) http.status = 400;
  return {
    http,
    body: {
      kind: 'single' as const,
      singleResult: {
        errors: formatted,
        ...(data !== undefined ? { data: data as Record<string, unknown> } : {}),
      },
    },
  };
}

export type { GraphQLRequestContext };
