import type { Params } from 'nestjs-pino';
import { destination } from 'pino';

const asIs = <T>(value: T): T => value;

/** Lines are held until this many bytes are pending, or until the next flush tick. */
const BUFFER_BYTES = 4096;
/** The longest a line waits on an idle server, ms. */
const FLUSH_MS = 200;

/** The stdout streams created here: unbuffered at shutdown (see `unbufferLogs`). */
const streams = new Set<ReturnType<typeof destination>>();

/**
 * Asynchronous, buffered writes to stdout: under load one write carries a few dozen access lines instead
 * of one (a write per line cost the bare route about 12 us of syscalls); when idle, a line waits at most
 * FLUSH_MS. pino flushes what is pending when the process exits normally; `unbufferLogs` covers the end
 * by a signal, which skips exit handlers.
 */
function bufferedStdout() {
  const stream = destination({
    dest: 1,
    sync: false,
    minLength: BUFFER_BYTES,
    periodicFlush: FLUSH_MS,
  });
  streams.add(stream);
  return stream;
}

/**
 * From now on every line goes out as soon as it is logged, and what is pending goes now: call it when
 * shutdown starts. Nest ends the process by re-raising the signal, which runs no exit handler, so lines
 * still buffered then (the drain's own warnings among them) would be lost.
 */
export function unbufferLogs(): void {
  for (const stream of streams) {
    // sonic-boom reads `minLength` on every write.
    (stream as unknown as { minLength: number }).minLength = 0;
    try {
      stream.flush();
    } catch {
      // Already destroyed.
    }
  }
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
