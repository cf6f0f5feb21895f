// Identity and ownership over 2 app instances: customer B can neither read, list, change nor delete
// customer A's resources (each attempt counted); anonymous writes are 401; customers cannot reach admin
// routes; events and idempotency keys are scoped to their owner.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { startApp, type AppHandle } from '../support/app-process.js';
import { authHeader } from '../support/auth.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { startRedis, type RedisHandle } from '../support/redis-standalone.js';
import { call as send } from '../datastructs/helpers.js';
import { SseClient } from '../datastructs/sse-client.js';

/** A request as `auth` (undefined: anonymous), through the data-structure specs' JSON client. */
const call = (
  app: AppHandle,
  method: string,
  path: string,
  auth: string | undefined,
  body?: unknown,
  headers: Record<string, string> = {},
) => send(app, method, path, body, { authorization: auth ?? '', ...headers });

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

describe('identity and ownership (2 instances)', () => {
  let redis: RedisHandle;
  let apps: AppHandle[];
  const alice = authHeader('alice', { email: 'alice@example.com' });
  const bob = authHeader('bob', { email: 'bob@example.com' });
  const admin = authHeader('ops', { roles: ['admin'] });
  const owned: { payment: string; booking: string; exportJob: string; upload: string; emailJob: string } = {
    payment: '',
    booking: '',
    exportJob: '',
    upload: '',
    emailJob: '',
  };
  const carId = `car-${randomBytes(3).toString('hex')}`;
  let tried = 0;
  const leaks: string[] = [];
  /** One attempt of B on A's resource: `ok` says whether it was refused as it should be. */
  const attempt = (what: string, ok: boolean) => {
    tried++;
    if (!ok) leaks.push(what);
  };

  beforeAll(async () => {
    redis = await startRedis();
    const env = {
      ...redis.env,
      REDIS_KEY_PREFIX: `s${randomBytes(3).toString('hex')}`,
      DATABASE_URL: await createTestDatabase(),
      QUEUE_WORKERS: '0',
      RATE_LIMIT_DEFAULT: '1000000/60s',
      RATE_LIMIT_EXPORT: '1000000/60s',
      RATE_LIMIT_MESSAGE: '1000000/60s',
      RATE_LIMIT_UPLOAD: '1000000/60s',
    };
    apps = await Promise.all([startApp({ env }), startApp({ env })]);
  }, 90_000);

  afterAll(async () => {
    await Promise.all((apps ?? []).map((a) => a.stop()));
    await redis?.stop();
  });

  it('customer A creates one of each resource on instance 0', async () => {
    const [a] = apps;
    const pay = await call(
      a!,
      'POST',
      '/payments',
      alice,
      { amount: 1200, currency: 'usd' },
      { 'idempotency-key': 'alice-key-1' },
    );
    expect(pay.status).toBe(201);
    expect(pay.body.customerId).toBe('alice');
    owned.payment = String(pay.body.id);
    const booking = await call(a!, 'POST', '/bookings', alice, { carId, startDate: day(3), endDate: day(5) });
    expect(booking.status).toBe(201);
    expect(booking.body.customerId).toBe('alice');
    owned.booking = String(booking.body.id);
    const exp = await call(a!, 'POST', '/exports', alice, { entity: 'payments', format: 'json' });
    expect(exp.status).toBe(202);
    owned.exportJob = String(exp.body.jobId);
    const upload = await call(a!, 'POST', '/uploads/sessions', alice, {
      fileName: 'a.png',
      size: 10,
      contentType: 'image/png',
    });
    expect(upload.status).toBe(201);
    owned.upload = String(upload.body.sessionId);
    const mail = await call(a!, 'POST', '/notifications/email', alice, {
      to: 'alice@example.com',
      subject: 's',
      body: 'b',
    });
    expect(mail.status).toBe(202);
    owned.emailJob = String(mail.body.jobId);
  });

  it("customer B, on the other instance, can neither read, list, change nor delete A's resources", async () => {
    const b = apps[1]!;
    const a = apps[0]!;
    const notFound = async (what: string, method: string, path: string, body?: unknown) => {
      const r = await call(b, method, path, bob, body);
      attempt(`${what}: ${r.status}`, r.status === 404);
    };
    const lists = async (what: string, path: string) => {
      const r = await call(b, 'GET', path, bob);
      attempt(
        `${what}: ${r.status} ${JSON.stringify(r.body.items)}`,
        r.status === 200 && !(r.body.items ?? []).some((i) => i.customerId === 'alice'),
      );
    };
    const forbidden = async (
      what: string,
      method: string,
      path: string,
      body?: unknown,
      headers?: Record<string, string>,
    ) => {
      const r = await call(b, method, path, bob, body, headers);
      attempt(`${what}: ${r.status}`, r.status === 403);
    };
    await notFound('GET payment', 'GET', `/payments/${owned.payment}`);
    await lists('list payments', '/payments');
    await lists('list payments of alice', '/payments?customerId=alice');
    await forbidden(
      'pay as alice',
      'POST',
      '/payments',
      { amount: 5, currency: 'usd', customerId: 'alice' },
      { 'idempotency-key': 'bob-key-1' },
    );
    await lists('list bookings of the car', `/bookings?carId=${carId}`);
    await notFound('DELETE booking', 'DELETE', `/bookings/${owned.booking}`);
    await forbidden('book for alice', 'POST', '/bookings', {
      carId,
      customerId: 'alice',
      startDate: day(10),
      endDate: day(11),
    });
    await notFound('GET export', 'GET', `/exports/${owned.exportJob}`);
    await notFound('download export', 'GET', `/exports/${owned.exportJob}/download`);
    await notFound('GET upload', 'GET', `/uploads/sessions/${owned.upload}`);
    await notFound('DELETE upload', 'DELETE', `/uploads/sessions/${owned.upload}`);
    await notFound('GET e-mail job', 'GET', `/notifications/${owned.emailJob}`);
    await forbidden('mail to alice', 'POST', '/notifications/email', {
      to: 'alice@example.com',
      subject: 's',
      body: 'b',
    });
    // Admin routes are not a customer's.
    await forbidden('PATCH car', 'PATCH', '/catalogue/cars/1', { dailyPrice: 1 });
    await forbidden('PUT flag', 'PUT', '/flags/beta', { enabled: true, rolloutPercent: 100 });
    await forbidden('PUT leaderboard', 'PUT', '/leaderboards/weekly/members/bob', { score: 1e9 });
    await forbidden('webhook', 'POST', '/webhooks/subscriptions', {
      url: 'https://example.com/h',
      events: ['payment.created'],
    });
    await forbidden('cache stats', 'GET', '/admin/cache/stats');
    await forbidden('redis metrics', 'GET', '/admin/redis/metrics');
    // B using A's idempotency key gets a payment of B's own, not A's response.
    const same = await call(
      b,
      'POST',
      '/payments',
      bob,
      { amount: 1200, currency: 'usd' },
      { 'idempotency-key': 'alice-key-1' },
    );
    attempt(
      `reuse of A's idempotency key: ${same.status} ${String(same.body.customerId)}`,
      same.status === 201 &&
        same.body.customerId === 'bob' &&
        same.headers.get('idempotent-replayed') === null,
    );

    // A's resources are all still there, on either instance.
    expect((await call(a, 'GET', `/payments/${owned.payment}`, alice)).status).toBe(200);
    expect((await call(b, 'GET', `/uploads/sessions/${owned.upload}`, alice)).status).toBe(200);
    expect((await call(b, 'GET', `/exports/${owned.exportJob}`, alice)).status).toBe(200);
    expect((await call(b, 'GET', `/notifications/${owned.emailJob}`, alice)).status).toBe(200);
    const mine = await call(b, 'GET', `/bookings?carId=${carId}`, alice);
    expect(mine.body.items?.map((i) => i.id)).toEqual([owned.booking]);
    // The admin role sees every customer's.
    expect((await call(b, 'GET', `/payments/${owned.payment}`, admin)).status).toBe(200);
    expect((await call(b, 'GET', `/payments?customerId=alice`, admin)).body.total).toBe(1);

    process.stdout.write(
      `security: ${tried} attempts of B on A's resources over 2 instances, ${leaks.length} leaks\n`,
    );
    expect(leaks).toEqual([]);
    expect(tried).toBeGreaterThanOrEqual(20);
  });

  it('anonymous writes and private reads answer 401 problem+json with WWW-Authenticate; public reads stay open', async () => {
    const a = apps[0]!;
    const refused: [string, string, unknown?][] = [
      ['POST', '/payments', { amount: 1, currency: 'usd' }],
      ['GET', '/payments'],
      ['POST', '/bookings', { carId, startDate: day(20), endDate: day(21) }],
      ['DELETE', `/bookings/${owned.booking}`],
      ['POST', '/exports', { entity: 'payments', format: 'csv' }],
      ['POST', '/uploads/sessions', { fileName: 'a', size: 1, contentType: 'text/plain' }],
      ['POST', '/notifications/email', { to: 'x@example.com', subject: 's', body: 'b' }],
      ['PATCH', '/catalogue/cars/1', { dailyPrice: 1 }],
      ['PUT', '/flags/beta', { enabled: true, rolloutPercent: 100 }],
      ['PUT', '/leaderboards/weekly/members/x', { score: 1 }],
      ['POST', '/webhooks/subscriptions', { url: 'https://example.com/h', events: ['payment.created'] }],
      ['POST', '/auth/logout'],
      ['GET', '/auth/me'],
      ['GET', '/events'],
    ];
    for (const [method, path, body] of refused) {
      const r = await call(
        a,
        method,
        path,
        undefined,
        body,
        method === 'POST' && path === '/payments' ? { 'idempotency-key': 'anon-1' } : {},
      );
      expect({ method, path, status: r.status, type: r.type.split(';')[0] }).toEqual({
        method,
        path,
        status: 401,
        type: 'application/problem+json',
      });
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    for (const path of [
      '/catalogue/cars?limit=1',
      '/health/live',
      '/leaderboards/weekly',
      '/flags',
      '/docs-json',
    ]) {
      expect({ path, status: (await call(a, 'GET', path, undefined)).status }).toEqual({ path, status: 200 });
    }
    expect(
      (await call(a, 'POST', '/analytics/events', undefined, { path: '/home', visitorId: 'v1' })).status,
    ).toBe(202);
  });

  it('events: a customer receives only events about their own resources, the admin all', async () => {
    const b = apps[1]!;
    const streams: SseClient[] = [];
    try {
      const forAlice = await SseClient.open(`${b.url}/events?types=payment.created`, {
        authorization: alice,
      });
      const forBob = await SseClient.open(`${b.url}/events?types=payment.created`, { authorization: bob });
      const forAdmin = await SseClient.open(`${b.url}/events?types=payment.created`, {
        authorization: admin,
      });
      streams.push(forAlice, forBob, forAdmin);
      const pay = await call(
        apps[0]!,
        'POST',
        '/payments',
        alice,
        { amount: 77, currency: 'eur' },
        { 'idempotency-key': `ev-${randomUUID()}` },
      );
      expect(pay.status).toBe(201);
      const id = String(pay.body.id);
      const seen = (c: SseClient) => c.events.some((e) => e.data?.includes(id));
      await forAlice.next('payment.created', (d) => d.id === id, 5_000);
      await forAdmin.next('payment.created', (d) => d.id === id, 5_000);
      // bob's stream was open for as long and got the admin's and alice's copy delivered meanwhile: none for him.
      await new Promise((r) => setTimeout(r, 200));
      attempt('SSE event of A delivered to B', !seen(forBob));
      expect(seen(forBob)).toBe(false);
    } finally {
      streams.forEach((s) => s.close());
    }
  });
});
