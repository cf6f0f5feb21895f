import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** Node server timeouts (see `serverLimitsConfig`). */
export interface ServerLimits {
  /** Time a client has to send all its request headers (slowloris). */
  headersTimeoutMs: number;
  /** Time a client has to send its whole request, body included; responses (SSE) are not bound by it. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive socket stays open. */
  keepAliveTimeoutMs: number;
}

const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'the request was not received in time'],
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'the request headers are too large'],
};

/**
 * Sets the server's timeouts and answers what Node refuses before the app sees a request (a header
 * with NUL or a bare CR, a malformed request line, headers too slow or too large) as problem+json,
 * like every other error, instead of Node's empty `400 Bad Request`.
 */
export function applyServerLimits(server: Server, limits: ServerLimits): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs);
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // Node checks both timeouts on this interval (default 30 s), read when the server starts listening:
  // without it a slow client would hold its socket up to 30 s past the limit.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(
    1_000,
    Math.max(100, Math.floor(limits.headersTimeoutMs / 10)),
  );
  // Fastify installs a handler of its own (a JSON 400): this one is the only answer on either adapter.
  server.removeAllListeners('clientError');
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, title, detail] = CLIENT_ERRORS[err.code ?? ''] ?? [
      400,
      'Bad Request',
      'the request is not valid HTTP/1.1 (a header with NUL or a bare CR, a malformed line)',
    ];
    const body = JSON.stringify({ type: title.toLowerCase().replace(/ /g, '-'), title, status, detail });
    socket.end(
      `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
