// Queue acceptance on the built app, 2 processes, real Redis (standalone and Cluster), real PostgreSQL:
// a worker process killed with -9 mid-run loses no job and repeats no side effect; a job failing 5 times
// lands in the dead-letter queue with its reason.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { Queue } from 'bullmq';
import pg from 'pg';
import { verifyWebhook } from '../../src/features/webhooks/webhook.signature.js';
import { startApp, startApps, type AppHandle } from '../support/app-process.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { describeEachTopology } from '../support/topologies.js';
import { waitUntil } from '../support/wait.js';
import { ADMIN_TOKEN, appEnv, call, email, newPrefix, pool, queueView, startReceiver } from './queue-kit.js';

const JOBS = 1_000;

describeEachTopology(
  'Queue: worker killed with -9, dead-letter queue',
  (redis, topology) => {
    let apps: AppHandle[] = [];
    let env: Record<string, string>;
    let db: pg.Client;
    let emailQueue: Queue;
    let deadLetter: Queue;
    let webhooks: Queue;
    const prefix = newPrefix();

    beforeAll(async () => {
      const databaseUrl = await createTestDatabase();
      env = appEnv(redis().env, prefix, databaseUrl, {
        QUEUE_WORKERS: '4',
        // Each e-mail takes ~20 ms: 2 processes x 4 run ~400 a second, so the kill lands mid-run.
        EMAIL_LOG_DELAY_MS: '20',
      });
      apps = await startApps(2, { env });
      db = new pg.Client({ connectionString: databaseUrl });
      await db.connect();
      emailQueue = queueView(redis(), prefix, 'email');
      deadLetter = queueView(redis(), prefix, 'dead-letter');
      webhooks = queueView(redis(), prefix, 'webhooks');
    }, 90_000);

    afterAll(async () => {
      await Promise.all([emailQueue, deadLetter, webhooks].map((q) => q?.close()));
      await db?.end();
      await Promise.all(apps.map((a) => a.stop()));
    }, 30_000);

    it(`${JOBS} jobs over 2 processes, one killed with -9 mid-run and restarted: all complete, each e-mail recorded once`, async () => {
      // Held while the 1,000 are enqueued, so that processing starts from a full queue: the kill below then
      // lands at a known point of the run whatever the enqueue speed of this (shared) machine.
      await emailQueue.pause();
      const started = Date.now();
      const answers = await pool(
        Array.from({ length: JOBS }, (_, i) => i),
        16,
        (i) => call(apps[i % 2]!, 'POST', '/notifications/email', email(i)),
      );
      expect(answers.filter((a) => a.status !== 202)).toEqual([]);
      const ids = answers.map((a) => String(a.json.jobId));
      expect(new Set(ids).size).toBe(JOBS);
      const enqueuedMs = Date.now() - started;
      expect(await emailQueue.count()).toBe(JOBS); // all held, none taken
      expect(await emailQueue.isPaused()).toBe(true);
      await emailQueue.resume();

      // Kill process 1 about a quarter into the run: it holds jobs in progress then.
      const beforeKill = await waitUntil(
        async () => {
          const c = await emailQueue.getJobCounts('completed', 'active');
          return c.completed! >= 250 && c;
        },
        { timeoutMs: 30_000, intervalMs: 20, message: 'jobs did not start completing' },
      );
      await apps[1]!.kill();
      const atKill = await emailQueue.getJobCounts('completed', 'active', 'waiting');
      apps[1] = await startApp({ env });

      const done = await waitUntil(
        async () => {
          const c = await emailQueue.getJobCounts('completed', 'failed', 'active', 'waiting', 'delayed');
          return c.completed === JOBS && c;
        },
        { timeoutMs: 60_000, intervalMs: 100, message: 'not every job completed' },
      );
      expect(done).toEqual({ completed: JOBS, failed: 0, active: 0, waiting: 0, delayed: 0 });
      const totalMs = Date.now() - started;

      // Side effects keyed by job id: one outbox row per job, for exactly the acknowledged ids.
      const { rows } = await db.query<{ message_id: string; suppressed: number }>(
        'SELECT message_id, suppressed FROM email_outbox',
      );
      expect(rows).toHaveLength(JOBS);
      expect(new Set(rows.map((r) => r.message_id))).toEqual(new Set(ids));
      const suppressed = rows.reduce((n, r) => n + r.suppressed, 0);

      // The jobs the killed worker held were recovered by the stalled-job check (stalled once, then done).
      const jobs = await emailQueue.getJobs(['completed'], 0, -1);
      const recovered = jobs.filter((j) => j.stalledCounter > 0);
      expect(recovered.length).toBeGreaterThan(0);
      expect(recovered.every((j) => j.finishedOn && j.returnvalue)).toBe(true);
      expect(await deadLetter.count()).toBe(0);
      console.log(
        `[queue ${topology}] ${JOBS} jobs: enqueued in ${enqueuedMs} ms over 2 processes; killed process 1 at ` +
          `${atKill.completed} completed / ${atKill.active} active (first seen ${beforeKill.completed}); all ` +
          `${done.completed} completed after ${totalMs} ms; ${recovered.length} recovered from the dead worker ` +
          `(stalled), ${suppressed} repeated delivery(ies) refused by the outbox key, ${rows.length} e-mails recorded`,
      );
    }, 90_000);

    it('a webhook that fails 5 times lands in the dead-letter queue with its reason', async () => {
      const receiver = await startReceiver(() => 500);
      try {
        const sub = await call(
          apps[0]!,
          'POST',
          '/webhooks/subscriptions',
          { url: receiver.url, events: ['webhook.ping'] },
          {
            authorization: `Bearer ${ADMIN_TOKEN}`,
          },
        );
        expect(sub.status).toBe(201);
        const ping = await call(
          apps[1]!,
          'POST',
          `/webhooks/subscriptions/${String(sub.json.id)}/ping`,
          undefined,
          {
            authorization: `Bearer ${ADMIN_TOKEN}`,
          },
        );
        expect(ping.status).toBe(202);
        const jobId = String(ping.json.jobId);
        const dead = await waitUntil(() => deadLetter.getJob(`webhooks-${jobId}`), {
          timeoutMs: 20_000,
          message: 'the failing delivery never reached the dead-letter queue',
        });
        expect(dead.data).toMatchObject({
          queue: 'webhooks',
          jobId,
          name: 'webhook.ping',
          failedReason: 'receiver answered HTTP 500',
          attemptsMade: 5,
        });
        const original = await webhooks.getJob(jobId);
        expect(await original!.getState()).toBe('failed');
        expect(original!.attemptsMade).toBe(5);
        // 5 signed attempts of the same delivery id, then nothing more.
        expect(receiver.received).toHaveLength(5);
        const secret = String(sub.json.secret);
        for (const r of receiver.received) {
          expect(r.headers['webhook-id']).toBe(jobId);
          const headers = {
            id: String(r.headers['webhook-id']),
            timestamp: String(r.headers['webhook-timestamp']),
            signature: String(r.headers['webhook-signature']),
          };
          expect(verifyWebhook(secret, headers, r.body)).toBe(true);
        }
        console.log(
          `[queue ${topology}] dead-lettered after 5 attempts: ${JSON.stringify(dead.data.failedReason)}`,
        );
      } finally {
        await receiver.close();
      }
    }, 30_000);
  },
  ['cluster'],
);
