import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** The response exactly as it was about to leave: final status, every header set, the body bytes. */
export interface CapturedResponse {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

type Callback = (error?: Error | null) => void;

function toBuffer(chunk: unknown, encoding: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return Buffer.from(String(chunk), typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
}

/**
 * Holds a response back until `settle` has run: `write` and `end` are buffered, `settle` receives the
 * exact bytes and headers (whatever produced them: the handler's result, or the exception filter's
 * problem document), and only then is the response sent. Storing before sending means a client that has
 * seen the response can never retry into a "still running" answer.
 *
 * Bodies of idempotent routes are small JSON documents, so buffering them whole costs nothing noticeable.
 */
export function holdResponse(
  res: ServerResponse,
  settle: (captured: CapturedResponse) => Promise<void>,
): void {
  const chunks: Buffer[] = [];
  const originalWrite = res.write;
  const originalEnd = res.end;
  const originalWriteHead = res.writeHead;

  // Fastify writes its head with `writeHead(status, headers)` before the body: held too, its status and
  // headers applied to the response as `setHeader` would, so they are captured and Node writes the same
  // head once the body is released. (Express sets headers one by one and lets `end` write the head.)
  res.writeHead = function writeHead(status: number, reason?: unknown, headers?: unknown): ServerResponse {
    res.statusCode = status;
    if (typeof reason === 'string') res.statusMessage = reason;
    else headers = reason;
    if (Array.isArray(headers)) {
      for (let i = 0; i + 1 < headers.length; i += 2)
        res.setHeader(String(headers[i]), headers[i + 1] as string);
    } else if (headers && typeof headers === 'object') {
      for (const [name, value] of Object.entries(headers as OutgoingHttpHeaders)) {
        if (value !== undefined) res.setHeader(name, value);
      }
    }
    return res;
  } as ServerResponse['writeHead'];

  res.write = function write(chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
    const callback = (typeof encoding === 'function' ? encoding : cb) as Callback | undefined;
    chunks.push(toBuffer(chunk, encoding));
    if (callback) process.nextTick(callback);
    return true;
  } as ServerResponse['write'];

  res.end = function end(chunk?: unknown, encoding?: unknown, cb?: unknown): ServerResponse {
    let callback = cb as Callback | undefined;
    if (typeof chunk === 'function') {
      callback = chunk as Callback;
      chunk = undefined;
    } else if (typeof encoding === 'function') {
      callback = encoding as Callback;
      encoding = undefined;
    }
    if (chunk !== undefined && chunk !== null) chunks.push(toBuffer(chunk, encoding));
    res.write = originalWrite;
    res.end = originalEnd;
    res.writeHead = originalWriteHead;
    const body = Buffer.concat(chunks);
    const captured: CapturedResponse = {
      status: res.statusCode,
      headers: res.getHeaders(),
      body,
    };
    const send = () => {
      if (res.destroyed) return;
      (originalEnd as (this: ServerResponse, chunk: Buffer, cb?: Callback) => void).call(res, body, callback);
    };
    settle(captured).then(send, send);
    return res;
  } as ServerResponse['end'];
}
