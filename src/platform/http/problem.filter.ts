import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import { problemAsGraphQLError } from '../graphql/gql.errors.js';
import { rawRequest, rawResponse, setHeader } from './adapter.js';
import { ProblemException, statusTitle, statusType, type ProblemDetails } from './problem.js';

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
}

/** Maps any thrown value to a problem document. Unknown errors become a 500 without internals. */
/** Seconds a client is told to wait when Redis is out of memory (an operator or TTLs must free it). */
const OOM_RETRY_AFTER_S = 10;

/**
 * True when `err` (or an error it wraps) is Redis refusing a write at `maxmemory` under `noeviction`
 * (`OOM command not allowed when used memory > 'maxmemory'`).
 */
export function isRedisOutOfMemory(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && message.startsWith('OOM ')) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

export function toProblem(exception: unknown): { problem: ProblemDetails; headers: Record<string, string> } {
  // Whatever route wrote: a full Redis is a temporary outage of writes, not a server bug.
  if (!(exception instanceof HttpException) && isRedisOutOfMemory(exception))
    return {
      problem: {
        type: 'redis-out-of-memory',
        title: 'Service Unavailable',
        status: 503,
        detail: 'storage is full: writes are refused until memory is freed; reads keep working',
      },
      headers: { 'Retry-After': String(OOM_RETRY_AFTER_S) },
    };
  // Express's adapter wraps errors passed to next() by middleware (the body parsers' verify hook) into
  // a plain HttpException; the problem the boundary threw is its cause.
  if (exception instanceof HttpException && exception.cause instanceof ProblemException)
    exception = exception.cause;
  if (exception instanceof ProblemException)
    return { problem: exception.problem, headers: exception.headers };
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const body = exception.getResponse();
    let detail: string | undefined;
    if (typeof body === 'string') detail = body;
    else if (body && typeof body === 'object' && 'message' in body) {
      const m = (body as { message: unknown }).message;
      detail = Array.isArray(m) ? m.join('; ') : String(m);
    }
    if (detail === statusTitle(status)) detail = undefined;
    return { problem: { type: statusType(status), title: statusTitle(status), status, detail }, headers: {} };
  }
  // body-parser errors (malformed JSON, body too large, bad charset) carry a 4xx status and a type.
  const bp = exception as BodyParserError;
  if (
    bp &&
    typeof bp === 'object' &&
    typeof bp.status === 'number' &&
    bp.status >= 400 &&
    bp.status < 500 &&
    bp.expose
  ) {
    const detail =
      bp.type === 'entity.parse.failed'
        ? 'request body is not valid JSON'
        : bp.type === 'entity.too.large'
          ? 'request body is too large'
          : (exception as Error).message;
    return {
      problem: { type: statusType(bp.status), title: statusTitle(bp.status), status: bp.status, detail },
      headers: {},
    };
  }
  return {
    problem: {
      type: 'internal-error',
      title: 'Internal Server Error',
      status: 500,
      detail: 'an unexpected error occurred',
    },
    headers: {},
  };
}

/** What the filter needs of Express's `res` and Fastify's `reply` alike. */
interface ProblemResponse {
  status(code: number): ProblemResponse;
  type(contentType: string): ProblemResponse;
  send(body: string): unknown;
}

/** Answers every error as `application/problem+json` (RFC 9457) with the request id as `instance`. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): unknown {
    // A resolver's error goes back to GraphQL, which answers it in its own format (src/platform/graphql).
    if (host.getType<string>() === 'graphql') return problemAsGraphQLError(exception);
    const ctx = host.switchToHttp();
    // Express's res or Fastify's reply: both answer status(), type() and send().
    const res = ctx.getResponse<ProblemResponse>();
    // The request id is pino-http's, on Node's request under either adapter.
    const id = (rawRequest(ctx.getRequest<object>()) as { id?: unknown }).id;
    const { problem, headers } = toProblem(exception);
    if (problem.status >= 500 && !(exception instanceof HttpException)) {
      this.logger.error({ err: exception, reqId: id }, 'unhandled error');
    }
    const raw = rawResponse(res);
    if (raw.headersSent) {
      raw.end();
      return;
    }
    for (const [name, value] of Object.entries(headers)) setHeader(res, name, value);
    res
      .status(problem.status)
      .type('application/problem+json')
      .send(JSON.stringify(id ? { ...problem, instance: `urn:request:${String(id)}` } : problem));
  }
}
