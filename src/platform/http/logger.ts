import type { Params } from 'nestjs-pino';
import { destination } from 'pino';

const asIs = <T>(value: T): T => value;

/** Lines are held until this many bytes are pending, or until the next flush tick. */
const BUFFER_BYTES = 4096;
/** The longest a line waits on an idle server, ms. */
const FLUSH_MS = 200;

/**
 * Asynchronous, buffered writes to stdout: under load one write carries a few dozen access lines instead
 * of one (a write per line cost the bare route about 12 us of syscalls); when idle, a line waits at most
 * FLUSH_MS. pino flushes what is pending when the process exits.
 */
function bufferedStdout() {
  const stream = destination({ dest: 1, sync: false, minLength: BUFFER_BYTES });
  setInterval(() => {
    try {
      stream.flush();
    } catch {
      // Destroyed at shutdown: nothing left to flush.
    }
  }, FLUSH_MS).unref();
  return stream;
}

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
      bufferedStdout(),
    ],
    forRoutes: [],
  };
}
