import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { describeEachAdapter } from '../support/adapters.js';
import { startApp, type AppHandle } from '../support/app-process.js';
import { authHeader, TEST_ADMIN_TOKEN } from '../support/auth.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { startRedis, type RedisHandle } from '../support/redis-standalone.js';

describeEachAdapter('HTTP basics', (adapter) => {
  let redis: RedisHandle;
  let app: AppHandle;

  beforeAll(async () => {
    redis = await startRedis();
    app = await startApp({
      adapter,
      env: {
        ...redis.env,
        DATABASE_URL: await createTestDatabase(),
        BODY_LIMIT_KB: '1',
        LOG_LEVEL: 'info',
        // One proxy hop is believed: the client IP is the last X-Forwarded-For entry (see the test below).
        TRUST_PROXY: '1',
        RATE_LIMIT_DEFAULT: '3/60s',
      },
    });
  });

  afterAll(async () => {
    await app?.stop();
    await redis?.stop();
  });

  it('echoes a well-formed X-Request-Id and replaces a malformed one', async () => {
    const kept = await fetch(`${app.url}/health/live`, { headers: { 'X-Request-Id': 'abc-123' } });
    expect(kept.headers.get('x-request-id')).toBe('abc-123');
    const replaced = await fetch(`${app.url}/health/live`, {
      headers: { 'X-Request-Id': 'bad id\u00e9'.repeat(3) },
    });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const generated = await fetch(`${app.url}/health/live`);
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers an unknown route with 404 problem+json carrying the request id', async () => {
    const res = await fetch(`${app.url}/nope`, { headers: { 'X-Request-Id': 'req-404' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({
      type: 'not-found',
      title: 'Not Found',
      status: 404,
      instance: 'urn:request:req-404',
    });
  });

  it('answers malformed JSON with 400 problem+json and an oversized body with 413', async () => {
    const bad = await fetch(`${app.url}/health/live`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":',
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const big = await fetch(`${app.url}/health/live`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ a: 'x'.repeat(4096) }),
    });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ status: 413 });
  });

  it('serves the OpenAPI document and UI', async () => {
    const json = await fetch(`${app.url}/docs-json`);
    expect(json.status).toBe(200);
    const doc = (await json.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.paths['/health/ready']).toBeDefined();
    expect((await fetch(`${app.url}/docs`)).status).toBe(200);
  });

  it('takes the client IP from TRUST_PROXY hops: the rate limiter counts per forwarded client', async () => {
    const status = (forwardedFor: string) =>
      fetch(`${app.url}/rate-limit/status`, { headers: { 'X-Forwarded-For': forwardedFor } }).then(
        (r) => r.status,
      );
    // 3 per 60 s per client IP. With one trusted hop, "203.0.113.7, 198.51.100.1" is client 198.51.100.1
    // (the proxy's own claim about the hop before it is not believed).
    expect(await status('198.51.100.1')).toBe(200);
    expect(await status('198.51.100.1')).toBe(200);
    expect(await status('203.0.113.7, 198.51.100.1')).toBe(200);
    expect(await status('198.51.100.1')).toBe(429);
    expect(await status('198.51.100.2')).toBe(200);
    expect(await status('198.51.100.1, 198.51.100.2')).toBe(200);
  });

  it('opens, reads and deletes an upload session (201 with Location, 200, 204)', async () => {
    const headers = { authorization: authHeader('http-spec'), 'content-type': 'application/json' };
    const created = await fetch(`${app.url}/uploads/sessions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ fileName: 'a.txt', size: 3, contentType: 'text/plain' }),
    });
    expect(created.status).toBe(201);
    const { sessionId } = (await created.json()) as { sessionId: string };
    expect(created.headers.get('location')).toBe(`/uploads/sessions/${sessionId}`);
    const read = await fetch(`${app.url}${created.headers.get('location')}`, { headers });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ sessionId, fileName: 'a.txt', size: 3 });
    const gone = await fetch(`${app.url}/uploads/sessions/${sessionId}`, { method: 'DELETE', headers });
    expect(gone.status).toBe(204);
  });

  it('gates the queue dashboard (page, API and assets) behind the admin token, and serves it with it', async () => {
    const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
      fetch(`${app.url}/admin/queues${path}`, { method, headers, redirect: 'manual' });
    for (const path of ['', '/', '/api/queues', '/static/js/main.js']) {
      const denied = await get(path);
      expect([path, denied.status]).toEqual([path, 401]);
      expect(denied.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(denied.headers.get('www-authenticate')).toBe('Basic realm="queues", charset="UTF-8"');
    }
    const page = await get('', { authorization: `Bearer ${TEST_ADMIN_TOKEN}` });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
    expect(cookie).toMatch(/^queues_session=/);
    const api = await get('/api/queues', { cookie });
    expect(api.status).toBe(200);
    expect(((await api.json()) as { queues: { name: string }[] }).queues.map((q) => q.name)).toContain(
      'email',
    );
    const crossSite = await get('/api/queues/email/pause', { cookie, origin: 'https://evil.example' }, 'PUT');
    expect(crossSite.status).toBe(403);
  });

  it('serves /graphql: a catalogue query, its repeat from the result cache, a syntax error as a 400', async () => {
    // A client IP of its own (one trusted hop): the spec's default limit of 3 a minute is not shared.
    const post = (query: string) =>
      fetch(`${app.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.77' },
        body: JSON.stringify({ query }),
      });
    const query = '{ cars(page: 1, limit: 2) { items { id make } total } }';
    const miss = await post(query);
    expect(miss.status).toBe(200);
    expect(miss.headers.get('x-cache')).toBe('MISS');
    const body = (await miss.json()) as { data: { cars: { items: unknown[] } } };
    expect(body.data.cars.items).toHaveLength(2);
    const hit = await post(query);
    expect(hit.headers.get('x-cache')).toBe('HIT');
    expect(await hit.json()).toEqual(body);
    const bad = await post('{ cars(limit: 2) { items { id ');
    expect(bad.status).toBe(400);
    expect(
      ((await bad.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code,
    ).toBe('GRAPHQL_PARSE_FAILED');
    // Counted under the endpoint's path, never as unmatched.
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(
      /http_request_duration_seconds_count\{method="POST",route="\/graphql",status="200"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /http_request_duration_seconds_count\{method="POST",route="\/graphql",status="400"\} [1-9]/,
    );
  });

  it('serves Prometheus metrics with the HTTP duration histogram', async () => {
    const res = await fetch(`${app.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toMatch(/http_request_duration_seconds_bucket\{.*route="\/health\/live"/);
  });

  it('writes one access log line per request (LOG_LEVEL=info): id, method, URL, status, time; 4xx as warn', async () => {
    await fetch(`${app.url}/health/live?probe=1`, { headers: { 'X-Request-Id': 'access-ok' } });
    await fetch(`${app.url}/nope`, { headers: { 'X-Request-Id': 'access-404' } });
    const lines = await waitForLines(app, ['access-ok', 'access-404']);
    expect(lines.get('access-ok')).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { id: 'access-ok', method: 'GET', url: '/health/live?probe=1' },
      res: { statusCode: 200 },
    });
    expect(typeof lines.get('access-ok')!.responseTime).toBe('number');
    expect(lines.get('access-404')).toMatchObject({ level: 40, res: { statusCode: 404 } });
  });

  it("counts requests refused before their handler (a guard's 401) under their route template", async () => {
    expect((await fetch(`${app.url}/auth/me`)).status).toBe(401);
    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/auth\/me",status="401"\} [1-9]/,
    );
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} [1-9]/,
    );
  });
});

/** The access log lines (parsed) of the given request ids, once all have been written. */
async function waitForLines(app: AppHandle, ids: string[]): Promise<Map<string, Record<string, unknown>>> {
  const found = new Map<string, Record<string, unknown>>();
  for (let i = 0; i < 50 && found.size < ids.length; i++) {
    for (const line of app.output().split('\n')) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as Record<string, unknown> & { req?: { id?: string } };
      if (entry.msg === 'request completed' && ids.includes(entry.req?.id ?? ''))
        found.set(entry.req!.id!, entry);
    }
    if (found.size < ids.length) await new Promise((r) => setTimeout(r, 100));
  }
  return found;
}
