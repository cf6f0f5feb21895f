import type { Params } from 'nestjs-pino';
import { destination } from 'pino';

const asIs = <T>(value: T): T => value;

/** What LineBatcher needs of sonic-boom (pino.destination's stream). */
export interface LineSink {
  write(data: string): boolean;
  flush(cb?: (err?: Error) => void): void;
  flushSync(): void;
}

/**
 * pino's stream: gathers the lines of one event-loop turn (or 4 KB of them) and hands them to sonic-boom
 * as one string. sonic-boom measures its whole pending buffer (`Buffer.byteLength` of a growing string) on
 * every write it is given: about 1 µs per access line under load, against one call per turn here. Lines
 * keep their order; pending ones are handed over before the process's exit flush.
 */
export class LineBatcher {
  private lines: string[] = [];
  private bytes = 0;
  private scheduled = false;
  private readonly drainSoon = (): void => {
    this.scheduled = false;
    this.drain();
  };

  constructor(
    private readonly sink: LineSink,
    private readonly maxBytes = 4096,
    // Prepended: pino's own exit handler (registered when the destination was made) flushes sonic-boom
    // synchronously, and must find these lines there.
    onExit: (handler: () => void) => void = (handler) => process.prependListener('exit', handler),
  ) {
    onExit(() => this.drain());
  }

  write(line: string): boolean {
    this.lines.push(line);
    this.bytes += line.length;
    if (this.bytes >= this.maxBytes) this.drain();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drainSoon);
    }
    return true;
  }

  flush(cb?: (err?: Error) => void): void {
    this.drain();
    this.sink.flush(cb);
  }

  flushSync(): void {
    this.drain();
    this.sink.flushSync();
  }

  private drain(): void {
    if (this.lines.length === 0) return;
    const text = this.lines.length === 1 ? this.lines[0]! : this.lines.join('');
    this.lines = [];
    this.bytes = 0;
    this.sink.write(text);
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
      // Asynchronous writes to stdout in blocks of at least 4 KB (about 20 access lines), and whatever is
      // pending every 100 ms: in a loop logging to a pipe, that took about 5 µs off each line against a
      // write per event-loop turn (each one a thread-pool job). A line waits at most 100 ms; pending lines
      // are written out when the process exits (a SIGKILL loses at most those 100 ms).
      new LineBatcher(destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 100 })),
    ],
    forRoutes: [],
  };
}
