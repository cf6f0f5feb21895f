import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { connect } from 'node:net';
import { describeEachAdapter } from '../support/adapters.js';
import { startApp, type AppHandle } from '../support/app-process.js';
import { authHeader } from '../support/auth.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { startRedis, type RedisHandle } from '../support/redis-standalone.js';

/** Every route that takes a body, one per route group (the parser runs before routing, 404s too). */
const BODY_ROUTES: [method: string, path: string, admin?: boolean][] = [
  ['POST', '/payments'],
  ['POST', '/bookings'],
  ['POST', '/catalogue/cars', true],
  ['PATCH', '/catalogue/cars/1', true],
  ['POST', '/notifications/email'],
  ['POST', '/exports'],
  ['POST', '/uploads/sessions'],
  ['PUT', '/leaderboards/weekly/members/alice'],
  ['PUT', '/flags/new-ui', true],
  ['POST', '/analytics/events'],
  ['POST', '/webhooks/subscriptions'],
  ['POST', '/webhooks/subscriptions/00000000-0000-4000-8000-000000000000/ping'],
  ['POST', '/no-such-route'],
];

/** A GET per route group with a query, and one path parameter per parameterised route. */
const QUERY_ROUTES = [
  '/catalogue/cars?make=',
  '/payments?status=',
  '/bookings?carId=',
  '/analytics/pages?path=',
  '/events?channel=',
  '/flags?x=',
  '/leaderboards/weekly?page=',
  '/health/ready?x=',
  '/rate-limit/status?x=',
];
const PARAM_ROUTES = [
  '/catalogue/cars/',
  '/payments/',
  '/uploads/sessions/',
  '/leaderboards/',
  '/leaderboards/weekly/members/',
  '/flags/',
  '/flags/x/evaluate?dummy=1&name=', // a query beside a param: the param is checked below
  '/exports/',
  '/notifications/',
];

const DEPTH = 10_000;
const DEEP_BODIES = {
  arrays: '['.repeat(DEPTH) + ']'.repeat(DEPTH),
  objects: '{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH),
  'mixed, in a field': `{"to":${'[{"b":'.repeat(DEPTH / 2)}1${'}]'.repeat(DEPTH / 2)}}`,
};

describeEachAdapter('input boundary: every route, every kind of input', (adapter) => {
  let redis: RedisHandle;
  let app: AppHandle;
  const statuses: number[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    app = await startApp({
      adapter,
      env: { ...redis.env, DATABASE_URL: await createTestDatabase(), RATE_LIMIT_DEFAULT: '100000/60s' },
    });
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    await redis?.stop();
  });

  async function send(method: string, path: string, body?: string, admin = false) {
    const res = await fetch(`${app.url}${path}`, {
      method,
      headers: {
        Authorization: admin ? authHeader('ops', { roles: ['admin'] }) : authHeader('alice'),
        'Idempotency-Key': `k-${Math.random()}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body,
    });
    statuses.push(res.status);
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', text };
  }

  function expectProblem(r: { status: number; type: string; text: string }, field: RegExp | string) {
    expect({ status: r.status, type: r.type }).toEqual({
      status: 400,
      type: expect.stringMatching(/^application\/problem\+json/),
    });
    const problem = JSON.parse(r.text) as { errors?: { field: string }[]; detail: string };
    expect(problem.errors?.[0]?.field).toEqual(
      typeof field === 'string' ? field : expect.stringMatching(field),
    );
  }

  it.each(Object.entries(DEEP_BODIES))(
    'refuses bodies nested 10,000 deep (%s) on every body route',
    async (_k, body) => {
      for (const [method, path, admin] of BODY_ROUTES) {
        const r = await send(method, path, body, admin);
        expectProblem(r, 'body');
        expect(r.text).toContain('nested more than 32');
      }
    },
  );

  it('accepts 32 levels and refuses 33', async () => {
    const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);
    // 32 levels pass the boundary and reach validation (whose answer is the route's business)
    const ok = await send('POST', '/analytics/events', `{"x":${nested(31)}}`);
    expect(ok.text).not.toContain('nested more than');
    expectProblem(await send('POST', '/analytics/events', `{"x":${nested(32)}}`), 'body');
  });

  it.each([
    ['NUL', '\\u0000'],
    ['a lone high surrogate', '\\ud800'],
    ['a lone low surrogate', 'x\\udc00y'],
    ['a reversed pair', '\\udc00\\ud800'],
  ])('refuses %s in a body string on every body route, naming the field', async (_k, esc) => {
    for (const [method, path, admin] of BODY_ROUTES) {
      expectProblem(await send(method, path, `{"to":"a${esc}"}`, admin), 'body.to');
      expectProblem(
        await send(method, path, `{"list":[1,{"deep":["ok","${esc}"]}]}`, admin),
        'body.list.1.deep.1',
      );
      expectProblem(await send(method, path, `{"${esc}":1}`, admin), 'body.<key>');
    }
  });

  it('lets a well-formed surrogate pair and ordinary escapes through', async () => {
    const r = await send('POST', '/analytics/events', '{"path":"/\\ud83d\\ude00\\n\\"q\\"","x\\\\u0000":1}');
    expect(r.text).not.toContain('must not contain NUL');
  });

  it('refuses NUL in a urlencoded body', async () => {
    const res = await fetch(`${app.url}/analytics/events`, {
      method: 'POST',
      headers: { Authorization: authHeader('alice'), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'path=%2Fa%00b',
    });
    statuses.push(res.status);
    expectProblem(
      { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() },
      'body.path',
    );
  });

  it('refuses NUL in a query value or name on every route group, naming the field', async () => {
    for (const route of QUERY_ROUTES) {
      const name = route.slice(route.indexOf('?') + 1, -1);
      expectProblem(await send('GET', `${route}a%00b`), `query.${name}`);
      expectProblem(await send('GET', `${route.split('?')[0]}?x%00=1`), 'query.<key>');
    }
  });

  it('refuses NUL in a path parameter on every parameterised route, naming it', async () => {
    for (const route of PARAM_ROUTES) {
      const r = await send(
        'GET',
        route.includes('?') ? route.replace('/x/', '/a%00b/') + 'n' : `${route}a%00b`,
      );
      expectProblem(r, /^params\./);
    }
  });

  it('answers a path parameter that is not UTF-8 (a lone surrogate percent-encoded) with 400', async () => {
    for (const route of PARAM_ROUTES.filter((r) => !r.includes('?'))) {
      const r = await send('GET', `${route}%ED%A0%80`);
      expect(r.status).toBe(400);
      expect(r.type).toMatch(/^application\/problem\+json/);
    }
  });

  it('answers NUL or a bare CR in a header the app reads with 400 problem+json', async () => {
    for (const header of ['Idempotency-Key: a\0b', 'X-Request-Id: a\0b', 'Authorization: Bearer a\0b']) {
      const answer = await rawRequest(app.port, `POST /payments HTTP/1.1\r\nHost: x\r\n${header}\r\n\r\n`);
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toMatch(/content-type: application\/problem\+json/i);
      statuses.push(400);
    }
  });

  it('answered no request with a 5xx, and the process is alive', async () => {
    expect(statuses.length).toBeGreaterThan(200);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    const live = await fetch(`${app.url}/health/live`);
    expect(live.status).toBe(200);
  });
});

/** Sends raw bytes (what fetch refuses to send) and resolves with everything the server answered. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(Buffer.from(text, 'latin1')));
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (answer += d));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer in 5 s')));
  });
}
