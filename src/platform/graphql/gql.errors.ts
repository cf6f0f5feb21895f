import { HeaderMap } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { Logger } from '@nestjs/common';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { toProblem } from '../http/problem.filter.js';

/** GraphQL error codes of the statuses clients branch on; others use the problem's `type`. */
const CODES: Record<number, string> = {
  400: 'BAD_USER_INPUT',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  422: 'UNPROCESSABLE',
  429: 'TOO_MANY_REQUESTS',
  503: 'SERVICE_UNAVAILABLE',
};

const logger = new Logger('GraphQL');

/**
 * What ProblemFilter answers for an error of a resolver (a guard, pipe, interceptor or the resolver
 * itself): a GraphQL error carrying the problem (`extensions.code`, `status`, `type`, `errors`) and its
 * HTTP headers (`Retry-After`, `WWW-Authenticate`), which Apollo Server puts on the response. Internal
 * errors are logged and answered without their message.
 */
export function problemAsGraphQLError(exception: unknown): GraphQLError {
  if (exception instanceof GraphQLError) return exception;
  const { problem, headers } = toProblem(exception);
  if (problem.status >= 500 && problem.type === 'internal-error') {
    logger.error({ err: exception }, 'unhandled error in a resolver');
  }
  const http = { headers: new HeaderMap(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])) };
  return new GraphQLError(problem.detail ?? problem.title, {
    originalError: exception instanceof Error ? exception : undefined,
    extensions: {
      code: CODES[problem.status] ?? problem.type.toUpperCase().replace(/-/g, '_'),
      status: problem.status,
      type: problem.type,
      ...(problem.errors ? { errors: problem.errors } : {}),
      http,
    },
  });
}

/**
 * Apollo's `formatError`: GraphQL's error format (`message`, `locations`, `path`, `extensions.code`), never a
 * stack trace or the original exception; an error that is not a GraphQL or problem error says only
 * "internal server error".
 */
export function formatGraphQLError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  // A resolver's error reaches here wrapped (located); a problem was already made a GraphQLError by
  // ProblemFilter, anything else (a field resolver's own throw, outside the filters) is internal.
  const original = unwrapResolverError(error);
  const known = original instanceof GraphQLError;
  const {
    stacktrace: _s,
    exception: _e,
    ...extensions
  } = (formatted.extensions ?? {}) as Record<string, unknown>;
  if (!known) {
    logger.error({ err: original }, 'unhandled GraphQL error');
    return { message: 'internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', status: 500 } };
  }
  return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions };
}
