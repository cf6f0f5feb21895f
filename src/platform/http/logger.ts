import type { Params } from 'nestjs-pino';
import { destination } from 'pino';

const asIs = <T>(value: T): T => value;

/**
 * nestjs-pino settings: JSON lines through one pino logger, which Nest's `Logger` uses too. Its
 * per-request middleware (pino-http: a child logger and a request-scoped store for every request,
 * even at `warn`) is not mounted: the request id, the access log line and the duration metric come
 * from `requestContext`, which writes nothing unless the line's level is enabled.
 */
export function loggerParams(level: string): Params {
  return {
    pinoHttp: [
      {
        level,
        redact: ['req.headers.authorization', 'req.headers.cookie'],
        // The access line's `req` and `res` are already plain summaries: pino-http's wrapped serializers
        // would read them as raw objects (a plain `res` has no `headersSent`, so its status would be null).
        wrapSerializers: false,
        serializers: { req: asIs, res: asIs },
      },
      // Asynchronous writes to stdout in blocks of at least 4 KB (about 20 access lines), and whatever is
      // pending every 100 ms: under load one write per 4 KB instead of one per event-loop turn cost about
      // 5 µs per access line, the largest part of the access log's cost. A line waits at most 100 ms;
      // pino writes out what is pending when the process exits (a SIGKILL loses at most those 100 ms).
      destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 100 }),
    ],
    forRoutes: [],
  };
}
