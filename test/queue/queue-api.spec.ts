// Queue routes on the built app (standalone Redis, PostgreSQL): HTTP routes, deduplication, exports, signed
// webhooks, producer-only instances, health and metrics, eviction-policy warning, graceful shutdown, and
// enqueue failing closed while Redis is down.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { Queue } from 'bullmq';
import pg from 'pg';
import { verifyWebhook } from '../../src/features/webhooks/webhook.signature.js';
import { KeyBuilder } from '../../src/platform/redis/index.js';
import { startApp, type AppHandle } from '../support/app-process.js';
import { authHeader } from '../support/auth.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { describeEachTopology } from '../support/topologies.js';
import { waitUntil } from '../support/wait.js';
import {
  ADMIN_TOKEN,
  appEnv,
  call,
  email,
  newPrefix,
  parseCsv,
  pollUntil,
  queueView,
  startReceiver,
  type Answer,
} from './queue-kit.js';

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
// alice may write to any address and export every row (admin); bob is a customer.
const alice = { authorization: authHeader('alice', { roles: ['admin'] }) };
const bob = { authorization: authHeader('bob', { email: 'bob@example.com' }) };

describeEachTopology(
  'Queue: HTTP, exports, webhooks, health, shutdown',
  (redis) => {
    /** Producer only (QUEUE_WORKERS=0), without ADMIN_TOKEN. */
    let producer: AppHandle;
    /** Runs the workers; short deduplication window. */
    let worker: AppHandle;
    let databaseUrl: string;
    let db: pg.Client;
    const prefix = newPrefix();
    let emailQueue: Queue;

    beforeAll(async () => {
      // Booted under an evicting policy: both instances must warn.
      await redis().client().config('SET', 'maxmemory-policy', 'allkeys-lru');
      databaseUrl = await createTestDatabase();
      const env = appEnv(redis().env, prefix, databaseUrl);
      [producer, worker] = await Promise.all([
        startApp({ env: { ...env, QUEUE_WORKERS: '0', ADMIN_TOKEN: '' } }),
        startApp({ env: { ...env, QUEUE_WORKERS: '4', QUEUE_DEDUP_WINDOW_MS: '1500' } }),
      ]);
      db = new pg.Client({ connectionString: databaseUrl });
      await db.connect();
      emailQueue = queueView(redis(), prefix, 'email');
    }, 90_000);

    afterAll(async () => {
      await emailQueue?.close();
      await db?.end();
      await Promise.all([producer, worker].map((a) => a?.stop()));
    }, 30_000);

    it('warns loudly at boot when maxmemory-policy is not noeviction, and shows it in /health/ready', async () => {
      for (const app of [producer, worker]) {
        expect(app.output()).toContain('Redis maxmemory-policy is allkeys-lru, not noeviction');
      }
      const degraded = await call(worker, 'GET', '/health/ready');
      expect(degraded.status).toBe(200);
      const queues = (degraded.json.details as Record<string, Record<string, unknown>>).queues!;
      expect(queues.status).toBe('degraded');
      expect(queues.maxmemoryPolicy).toBe('allkeys-lru');
      expect(queues.warnings).toEqual([expect.stringContaining('maxmemory-policy is allkeys-lru')]);

      await redis().client().config('SET', 'maxmemory-policy', 'noeviction');
      // Readiness is computed at most once a second: the next computation sees the change.
      const ok = await waitUntil(
        async () => {
          const a = await call(worker, 'GET', '/health/ready');
          return a.json.status === 'ok' ? a : undefined;
        },
        { timeoutMs: 5_000, message: 'readiness did not turn ok after the policy change' },
      );
      expect(ok.status).toBe(200);
      expect(ok.json.status).toBe('ok');
      const details = (ok.json.details as Record<string, Record<string, unknown>>).queues!;
      expect(details).toMatchObject({ status: 'up', maxmemoryPolicy: 'noeviction', warnings: [] });
      // Live workers over all instances: the worker instance's, none from the producer-only one.
      expect((details.queues as Record<string, { workers: number }>).email!.workers).toBe(1);
      expect(details.localWorkers).toMatchObject({ email: { concurrency: 4, alive: true } });
      const producerDetails = (await call(producer, 'GET', '/health/ready')).json.details as Record<
        string,
        Record<string, unknown>
      >;
      expect(producerDetails.queues!.localWorkers).toEqual({});
    });

    it('a producer-only instance (QUEUE_WORKERS=0) enqueues; the worker instance sends; status from either', async () => {
      const sent = await call(producer, 'POST', '/notifications/email', email(1), alice);
      expect(sent.status).toBe(202);
      // The named rate-limit policy of the route (its limit is lifted for the spec).
      expect(sent.headers.get('ratelimit-policy')).toContain('"message";q=1000000;w=60');
      const jobId = String(sent.json.jobId);
      expect(jobId).toMatch(/^[0-9a-f-]{36}$/);
      const done = await pollUntil(
        producer,
        `/notifications/${jobId}`,
        (a) => a.json.state === 'completed',
        alice,
      );
      expect(done.json).toEqual({ state: 'completed', attempts: 1 });
      const { rows } = await db.query(
        'SELECT to_address, subject, body FROM email_outbox WHERE message_id = $1',
        [jobId],
      );
      expect(rows).toEqual([{ to_address: 'user1@example.com', subject: 'message 1', body: 'body of 1' }]);
      // Another caller cannot see it.
      expect((await call(worker, 'GET', `/notifications/${jobId}`, undefined, bob)).status).toBe(404);
    });

    it('answers 400 problem+json for bad input, 404 for unknown jobs', async () => {
      const bad: Array<[string, unknown]> = [
        ['/notifications/email', { ...email(1), to: 'not-an-address' }],
        ['/notifications/email', { ...email(1), subject: 'x'.repeat(201) }],
        ['/notifications/email', { ...email(1), body: 'x'.repeat(10_001) }],
        ['/notifications/email', { ...email(1), subject: '' }],
        ['/notifications/email', { ...email(1), cc: 'x@example.com' }],
        ['/notifications/email', { ...email(1), deduplicationId: 'a b' }],
        ['/exports', { entity: 'users', format: 'csv' }],
        ['/exports', { entity: 'payments', format: 'xml' }],
      ];
      for (const [path, body] of bad) {
        const a = await call(worker, 'POST', path, body);
        expect([path, a.status, a.headers.get('content-type'), a.json.type]).toEqual([
          path,
          400,
          'application/problem+json; charset=utf-8',
          'validation-error',
        ]);
      }
      expect(
        (
          await call(worker, 'POST', '/notifications/email', undefined, {
            'content-type': 'application/json',
          })
        ).status,
      ).toBe(400);
      expect((await call(worker, 'GET', '/notifications/not-a-uuid')).status).toBe(400);
      expect((await call(worker, 'GET', '/notifications/7f4df5a4-4c1e-4c8a-9d3c-1b2a3c4d5e6f')).status).toBe(
        404,
      );
      expect(
        (await call(worker, 'GET', '/exports/7f4df5a4-4c1e-4c8a-9d3c-1b2a3c4d5e6f/download')).status,
      ).toBe(404);
      // Just under the limits is fine.
      const max = await call(worker, 'POST', '/notifications/email', {
        ...email(2),
        subject: 's'.repeat(200),
        body: 'b'.repeat(10_000),
      });
      expect(max.status).toBe(202);
    });

    it('a deduplication id yields the same job within the window, per caller, and a new one after it', async () => {
      const body = { ...email(3), deduplicationId: 'order-42-confirmation' };
      const first = await call(worker, 'POST', '/notifications/email', body, alice);
      const again = await call(worker, 'POST', '/notifications/email', body, alice);
      const other = await call(
        worker,
        'POST',
        '/notifications/email',
        { ...body, to: 'bob@example.com' },
        bob,
      );
      expect([first.status, again.status, other.status]).toEqual([202, 202, 202]);
      expect(again.json.jobId).toBe(first.json.jobId);
      expect(other.json.jobId).not.toBe(first.json.jobId);
      // The outbox keeps the id (hashed with the caller's sub, never raw) for the window.
      const dedupKey = KeyBuilder.part('alice:order-42-confirmation');
      const held = async () =>
        (
          await db.query<{ held: boolean }>(
            'SELECT dedup_until > now() AS held FROM email_message WHERE dedup_key = $1 AND id = $2',
            [dedupKey, first.json.jobId],
          )
        ).rows[0]?.held;
      expect(await held()).toBe(true);
      await waitUntil(async () => (await held()) === false, {
        timeoutMs: 5_000,
        message: 'window did not end',
      });
      const later = await call(worker, 'POST', '/notifications/email', body, alice);
      expect(later.status).toBe(202);
      expect(later.json.jobId).not.toBe(first.json.jobId);
    });

    it('exports payments to CSV and JSON with progress and a download; bookings as the table holds them (none if it is missing)', async () => {
      await db.query(
        `INSERT INTO payments (amount, currency, customer_id, checkout_url, idempotency_key) VALUES
         (100, 'usd', 'plain', 'https://x/1', $1), (250, 'eur', '=HYPERLINK("http://evil")', 'https://x/2', $2),
         (999, 'gbp', 'a,b "c"', 'https://x/3', $3)`,
        [`k1-${prefix}`, `k2-${prefix}`, `k3-${prefix}`],
      );
      // Exports carry the columns the API shows, never internals such as the idempotency key.
      const expected = (
        await db.query(
          'SELECT id, amount, currency, customer_id, status, checkout_url, created_at FROM payments ORDER BY id',
        )
      ).rows as Array<Record<string, unknown>>;
      const run = async (entity: string, format: string): Promise<Answer> => {
        const created = await call(producer, 'POST', '/exports', { entity, format }, alice);
        expect(created.status).toBe(202);
        expect(created.headers.get('ratelimit-policy')).toContain('"export";q=1000000;w=60');
        const id = String(created.json.jobId);
        const status = await pollUntil(
          producer,
          `/exports/${id}`,
          (a) => a.json.state === 'completed',
          alice,
        );
        expect(status.json).toEqual({
          state: 'completed',
          progress: 100,
          downloadUrl: `/exports/${id}/download`,
        });
        // Only the caller who asked can read or download it.
        expect((await call(producer, 'GET', `/exports/${id}`, undefined, bob)).status).toBe(404);
        expect((await call(producer, 'GET', `/exports/${id}/download`, undefined, bob)).status).toBe(404);
        const file = await call(producer, 'GET', `/exports/${id}/download`, undefined, alice);
        expect(file.status).toBe(200);
        expect(file.headers.get('content-disposition')).toBe(
          `attachment; filename="${entity}-${id}.${format}"`,
        );
        return file;
      };

      const csv = await run('payments', 'csv');
      expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      const [header, ...lines] = parseCsv(csv.text);
      expect(header).toEqual(Object.keys(expected[0]!));
      expect(lines.map((l) => l[header!.indexOf('customer_id')])).toEqual(
        expected.map((r) =>
          String(r.customer_id).startsWith('=') ? `'${String(r.customer_id)}` : r.customer_id,
        ),
      );
      expect(lines.map((l) => Number(l[header!.indexOf('amount')]))).toEqual(expected.map((r) => r.amount));

      const json = await run('payments', 'json');
      expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const records = JSON.parse(json.text) as Array<Record<string, unknown>>;
      expect(records.map((r) => [r.id, r.amount, r.customer_id])).toEqual(
        expected.map((r) => [r.id, r.amount, r.customer_id]),
      );

      const bookingsTable = (await db.query(`SELECT to_regclass('bookings') AS t`)).rows[0].t as
        string | null;
      const bookings = await run('bookings', 'json');
      const count = bookingsTable
        ? Number((await db.query('SELECT count(*) AS n FROM bookings')).rows[0].n)
        : 0;
      expect((JSON.parse(bookings.text) as unknown[]).length).toBe(count);
      console.log(`[queue] bookings table ${bookingsTable ? 'present' : 'missing'}: exported ${count} rows`);
    });

    it('delivers signed webhooks for completed exports; subscriptions need the admin token', async () => {
      const receiver = await startReceiver(() => 204);
      try {
        const body = { url: receiver.url, events: ['export.completed', 'webhook.ping'] };
        expect(
          (await call(worker, 'POST', '/webhooks/subscriptions', body, { authorization: '' })).status,
        ).toBe(401);
        expect((await call(worker, 'POST', '/webhooks/subscriptions', body, bob)).status).toBe(403); // a customer
        // Without ADMIN_TOKEN configured, that string is no credential at all.
        expect((await call(producer, 'POST', '/webhooks/subscriptions', body, admin)).status).toBe(401);
        for (const bad of [
          { ...body, url: 'ftp://x' },
          { ...body, events: ['nope'] },
          { ...body, events: [] },
        ]) {
          expect((await call(worker, 'POST', '/webhooks/subscriptions', bad, admin)).status).toBe(400);
        }
        const sub = await call(worker, 'POST', '/webhooks/subscriptions', body, admin);
        expect(sub.status).toBe(201);
        expect(String(sub.json.secret)).toMatch(/^whsec_/);

        const created = await call(worker, 'POST', '/exports', { entity: 'payments', format: 'csv' }, alice);
        const exportId = String(created.json.jobId);
        await waitUntil(() => receiver.received.length >= 1, {
          timeoutMs: 15_000,
          message: 'no webhook delivery',
        });
        const [delivery] = receiver.received;
        const event = JSON.parse(delivery!.body) as Record<string, unknown>;
        expect(event).toMatchObject({
          type: 'export.completed',
          data: {
            jobId: exportId,
            entity: 'payments',
            format: 'csv',
            rows: 3,
            downloadUrl: `/exports/${exportId}/download`,
          },
        });
        const headers = {
          id: String(delivery!.headers['webhook-id']),
          timestamp: String(delivery!.headers['webhook-timestamp']),
          signature: String(delivery!.headers['webhook-signature']),
        };
        expect(verifyWebhook(String(sub.json.secret), headers, delivery!.body)).toBe(true);
        expect(
          verifyWebhook(String(sub.json.secret), headers, delivery!.body.replace('payments', 'bookings')),
        ).toBe(false);
        expect(
          verifyWebhook('whsec_' + Buffer.from('wrong key').toString('base64'), headers, delivery!.body),
        ).toBe(false);
      } finally {
        await receiver.close();
      }
    });

    it('exposes queue depth, completed and failed per queue in /metrics', async () => {
      const text = (await call(worker, 'GET', '/metrics')).text;
      expect(Number(/^queue_jobs_completed_total\{queue="email"\} (\d+)/m.exec(text)?.[1])).toBeGreaterThan(
        0,
      );
      expect(text).toMatch(/^queue_jobs\{queue="email",state="completed"\} \d+/m);
      expect(text).toMatch(/^queue_jobs\{queue="webhooks",state="waiting"\} \d+/m);
      expect(text).toMatch(/^# TYPE queue_jobs_failed_total counter/m);
      expect(text).toMatch(/^queue_jobs_enqueued_total\{queue="exports"\} \d+/m);
    });

    it('shutdown: stops taking jobs, lets the running one finish, and abandons a job past the grace period', async () => {
      const gPrefix = newPrefix();
      const gEnv = appEnv(redis().env, gPrefix, databaseUrl, { QUEUE_WORKERS: '1' });
      const view = queueView(redis(), gPrefix, 'email');
      try {
        const g1 = await startApp({
          env: { ...gEnv, EMAIL_LOG_DELAY_MS: '1500', QUEUE_SHUTDOWN_GRACE_MS: '5000' },
        });
        const a = String((await call(g1, 'POST', '/notifications/email', email(10))).json.jobId);
        await pollUntil(g1, `/notifications/${a}`, (r) => r.json.state === 'active');
        const stopping = g1.stop('SIGTERM', 10_000);
        // Out of the load balancer at once, still serving while it drains, no longer taking jobs: this one waits.
        await waitUntil(async () => (await call(g1, 'GET', '/health/live')).status === 503, {
          message: '/health/live did not turn 503 during the drain',
        });
        const b = await call(g1, 'POST', '/notifications/email', email(11));
        expect(b.status).toBe(202);
        expect(await (await view.getJob(a))!.getState()).toBe('active'); // still draining
        const exit = await stopping;
        expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
        expect(await (await view.getJob(a))!.getState()).toBe('completed');
        expect(await (await view.getJob(String(b.json.jobId)))!.getState()).toBe('waiting');

        // A job longer than the grace period: cancelled at the bound, the process exits, the job retries later.
        const g2 = await startApp({
          env: { ...gEnv, EMAIL_LOG_DELAY_MS: '8000', QUEUE_SHUTDOWN_GRACE_MS: '500' },
        });
        await waitUntil(
          async () => (await (await view.getJob(String(b.json.jobId)))!.getState()) === 'active',
          {
            message: 'the waiting job was not taken by the new instance',
          },
        );
        const exit2 = await g2.stop('SIGTERM', 10_000);
        expect(exit2.code === 0 || exit2.signal === 'SIGTERM').toBe(true);
        expect(exit2.durationMs).toBeLessThan(4_000);
        const abandoned = (await view.getJob(String(b.json.jobId)))!;
        expect(['delayed', 'waiting']).toContain(await abandoned.getState());
        expect(abandoned.attemptsMade).toBe(1);
        console.log(
          `[queue] shutdown: drained 1 running job in ${exit.durationMs} ms; a job past the 500 ms grace was ` +
            `cancelled (${abandoned.failedReason}) and the process exited in ${exit2.durationMs} ms`,
        );
        expect(g2.output()).toContain('still running after 500 ms');
      } finally {
        await view.close();
      }
    }, 40_000);

    it('fails closed with 503 problem+json while Redis is down, and enqueues again once it is back', async () => {
      const jobId = String((await call(worker, 'POST', '/notifications/email', email(20))).json.jobId);
      await redis().standalone!.kill();
      try {
        const started = Date.now();
        const refused = await call(worker, 'POST', '/notifications/email', email(21));
        const ms = Date.now() - started;
        expect(refused.status).toBe(503);
        expect(refused.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
        expect(refused.headers.get('retry-after')).toBe('1');
        expect(refused.json).toMatchObject({ type: 'queue-unavailable', status: 503 });
        expect(ms).toBeLessThan(1_500);
        expect((await call(worker, 'GET', `/notifications/${jobId}`)).status).toBe(503);
        expect((await call(worker, 'GET', '/health/ready')).status).toBe(503);
        console.log(`[queue] enqueue with Redis down: 503 in ${ms} ms`);
      } finally {
        await redis().standalone!.start();
      }
      const back = await waitUntil(
        async () => {
          const a = await call(worker, 'POST', '/notifications/email', email(22));
          return a.status === 202 && a;
        },
        { timeoutMs: 10_000, intervalMs: 100, message: 'enqueue did not recover' },
      );
      await pollUntil(
        worker,
        `/notifications/${String(back.json.jobId)}`,
        (a) => a.json.state === 'completed',
      );
    }, 30_000);
  },
  ['standalone'],
);
