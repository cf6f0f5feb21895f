import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger as PinoInstance } from 'pino';
import type { Histogram } from 'prom-client';
import { accessWriter } from './access-line.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The id of a request: the client's `X-Request-Id` when it is well-formed, else a new UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

type Req = IncomingMessage & { id?: string; route?: { path?: string }; originalUrl?: string };
type Res = ServerResponse;

/** How the finished request's route template is read: Express sets `req.route` when a route matched. */
export type RouteOf = (req: Req) => string | undefined;

export interface RequestContextOptions {
  /** The application's root pino logger: the access log line goes through it. */
  logger: PinoInstance;
  /** `http_request_duration_seconds` by method, route template and status. */
  duration: Histogram<'method' | 'route' | 'status'>;
  routeOf?: RouteOf;
  /**
   * Paths where an app is mounted as middleware rather than as routes (GraphQL, the queue dashboard, the
   * API docs on Express): a request under one without a matched route is labelled with the mount path.
   */
  mounts?: readonly string[];
}

const expressRoute: RouteOf = (req) => req.route?.path;

/** The mount a request's path is at or under (`/graphql`, `/admin/queues/api/queues`), if any. */
function mountOf(mounts: readonly string[], url: string): string | undefined {
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q)).toLowerCase();
  for (const mount of mounts) {
    if (path.startsWith(mount) && (path.length === mount.length || path[mount.length] === '/')) {
      return mount;
    }
  }
  return undefined;
}

/**
 * The per-request work every route pays, in one middleware and one `finish` listener: the request id
 * (a client's well-formed `X-Request-Id` is kept, else a UUID; echoed on the response), the duration
 * histogram (route template or mount path, never the raw URL: its label values would be unbounded) and the access
 * log line (`request completed`, level by status: 5xx error, 4xx warn, else info), written only when
 * that level is enabled. Nothing is allocated for the log unless it is written, and the histogram's
 * label children are made once per (method, route, status); prom-client still hashes each observation.
 * @example app.use(requestContext({ logger: PinoLogger.root, duration }));
 */
export function requestContext(opts: RequestContextOptions) {
  const { logger, duration } = opts;
  const access = accessWriter(logger);
  const routeOf = opts.routeOf ?? expressRoute;
  const mounts = (opts.mounts ?? []).map((m) => m.toLowerCase());
  const children = new Map<string, { observe(v: number): void }>();

  function observe(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let child = children.get(key);
    if (!child) {
      child = duration.labels({ method, route, status: String(status) });
      children.set(key, child);
    }
    child.observe(seconds);
  }

  function finished(req: Req, res: Res, started: number): void {
    const ms = performance.now() - started;
    const status = res.statusCode;
    const route = routeOf(req) ?? mountOf(mounts, req.originalUrl ?? req.url ?? '/') ?? 'unmatched';
    observe(req.method ?? 'GET', route, status, ms / 1000);
    const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
    if (!logger.isLevelEnabled(level)) return;
    access(level, {
      id: req.id!,
      method: req.method!,
      url: (req.originalUrl ?? req.url)!,
      status,
      responseTime: Math.round(ms * 1000) / 1000,
    });
  }

  return function requestContextMiddleware(req: Req, res: Res, next: () => void): void {
    const id = requestIdOf(req);
    req.id = id;
    res.setHeader('X-Request-Id', id);
    const started = performance.now();
    res.on('finish', () => finished(req, res, started));
    next();
  };
}
