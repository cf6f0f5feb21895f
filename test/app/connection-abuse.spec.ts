import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { connect, type Socket } from 'node:net';
import { describeEachAdapter } from '../support/adapters.js';
import { startApp, type AppHandle } from '../support/app-process.js';
import { authHeader } from '../support/auth.js';
import { SseClient } from '../datastructs/sse-client.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { startRedis, type RedisHandle } from '../support/redis-standalone.js';

const HEADERS_TIMEOUT_MS = 2_000;
const KEEP_ALIVE_TIMEOUT_MS = 1_000;

/** Opens a socket and resolves with what the server answered and when it closed the connection. */
function openSocket(
  port: number,
): Promise<{ socket: Socket; closed: Promise<{ answer: string; at: number }> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (answer += d));
    const closed = new Promise<{ answer: string; at: number }>((done) =>
      socket.on('close', () => done({ answer, at: Date.now() })),
    );
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

describeEachAdapter('connection abuse: slow clients, event streams, status polling', (adapter) => {
  let redis: RedisHandle;
  let app: AppHandle;

  beforeAll(async () => {
    redis = await startRedis();
    app = await startApp({
      adapter,
      env: {
        ...redis.env,
        DATABASE_URL: await createTestDatabase(),
        HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
        HTTP_REQUEST_TIMEOUT_MS: '5000',
        HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
        EVENTS_MAX_STREAMS: '4',
        EVENTS_MAX_STREAMS_PER_CLIENT: '2',
        RATE_LIMIT_DEFAULT: '30/60s',
      },
    });
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    await redis?.stop();
  });

  it('cuts off a client that sends its headers one byte a second, with 408 problem+json', async () => {
    const { socket, closed } = await openSocket(app.port);
    const request = `GET /catalogue/cars HTTP/1.1\r\nHost: x\r\nAuthorization: ${authHeader('alice')}\r\n\r\n`;
    const started = Date.now();
    let sent = 0;
    const drip = setInterval(() => {
      if (socket.writable && sent < request.length) socket.write(request[sent++]);
    }, 1_000);
    const { answer, at } = await closed;
    clearInterval(drip);
    const elapsed = at - started;
    // Cut off at the headers timeout (+ Node's check interval and slack for a loaded machine), long
    // before the request would have been complete (~70 s at one byte a second).
    expect(elapsed).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
    expect(elapsed).toBeLessThan(HEADERS_TIMEOUT_MS + 4_000);
    expect(sent).toBeLessThan(request.length);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toMatch(/content-type: application\/problem\+json/i);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 408 });
    // The server is still serving everyone else.
    expect((await fetch(`${app.url}/health/live`)).status).toBe(200);
  }, 20_000);

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const { socket, closed } = await openSocket(app.port);
    const started = Date.now();
    socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n');
    const { answer, at } = await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(at - started).toBeGreaterThanOrEqual(KEEP_ALIVE_TIMEOUT_MS - 100);
    expect(at - started).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS + 4_000);
  }, 20_000);

  /** Opens `GET /events` as `caller`; the stream stays open until `close()`. */
  async function openStream(caller: string) {
    const ac = new AbortController();
    const res = await fetch(`${app.url}/events`, {
      headers: { Authorization: authHeader(caller) },
      signal: ac.signal,
    });
    const close = async () => {
      ac.abort();
      await res.body?.cancel().catch(() => undefined);
    };
    if (res.status !== 200) await res.text().catch(() => undefined);
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      retryAfter: res.headers.get('retry-after'),
      close,
    };
  }

  it('streams events over SSE with the route headers, and ends the stream when the client leaves', async () => {
    const sse = await SseClient.open(`${app.url}/events?types=flag.changed`, {
      authorization: authHeader('sse-spec'),
    });
    expect(sse.status).toBe(200);
    const put = await fetch(`${app.url}/flags/http-spec-sse`, {
      method: 'PUT',
      headers: { authorization: authHeader('ops', { roles: ['admin'] }), 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: true, rolloutPercent: 100 }),
    });
    expect(put.status).toBe(200);
    const { version } = (await put.json()) as { version: number };
    await sse.next('flag.changed', (d) => d.version === version, 5_000);
    sse.close();
    const leave = new AbortController();
    const head = await fetch(`${app.url}/events`, {
      headers: { authorization: authHeader('sse-spec') },
      signal: leave.signal,
    });
    expect(head.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(head.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(head.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(head.headers.get('ratelimit-policy')).toMatch(/default/); // set by the guard before the stream
    leave.abort();
  });

  it('caps GET /events streams per client and per instance with 429 problem+json', async () => {
    const alice = [await openStream('alice'), await openStream('alice')];
    expect(alice.map((s) => s.status)).toEqual([200, 200]);
    const third = await openStream('alice');
    expect(third).toMatchObject({ status: 429, type: expect.stringMatching(/^application\/problem\+json/) });
    expect(Number(third.retryAfter)).toBeGreaterThanOrEqual(1);
    const bob = [await openStream('bob'), await openStream('bob')];
    expect(bob.map((s) => s.status)).toEqual([200, 200]);
    // 4 open on this instance: anyone else waits.
    expect((await openStream('carol')).status).toBe(429);
    // A closed stream frees its place (the server sees the close a moment later).
    await alice[0]!.close();
    let again = await openStream('alice');
    for (let i = 0; i < 50 && again.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      again = await openStream('alice');
    }
    expect(again.status).toBe(200);
    await Promise.all([again, alice[1]!, ...bob].map((s) => s.close()));
  }, 30_000);

  it('limits GET /rate-limit/status like any route (the default policy)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`${app.url}/rate-limit/status`, {
        headers: { Authorization: authHeader('poller') },
      });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(200));
    // Past 30: refused (a Redis call over its 200 ms budget on a loaded machine may fall back to the
    // per-instance limiter once, which admits a few more: slack, not a different answer).
    expect(statuses.slice(30).filter((s) => s === 429).length).toBeGreaterThanOrEqual(5);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
  });
});
