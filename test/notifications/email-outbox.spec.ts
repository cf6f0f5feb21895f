// The e-mail outbox: a Redis that loses every key (FLUSHALL: what a restart without persistence leaves)
// loses no acknowledged e-mail. The messages are acknowledged while no worker runs, so their jobs exist
// only in Redis when it is flushed; the reconciler re-adds them from PostgreSQL and each is sent once.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { Queue } from 'bullmq';
import pg from 'pg';
import { startApp, type AppHandle } from '../support/app-process.js';
import { authHeader } from '../support/auth.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { describeEachTopology } from '../support/topologies.js';
import { waitUntil } from '../support/wait.js';
import { appEnv, call, email, newPrefix, queueView } from '../queue/queue-kit.js';

const admin = { authorization: authHeader('ops', { roles: ['admin'] }) };
const bob = { authorization: authHeader('bob', { email: 'bob@example.com' }) };
const carol = { authorization: authHeader('carol', { email: 'carol@example.com' }) };

describeEachTopology(
  'E-mail outbox: Redis loses every key',
  (redis) => {
    let producer: AppHandle | undefined;
    let worker: AppHandle | undefined;
    let databaseUrl: string;
    let db: pg.Client;
    let emailQueue: Queue;
    const prefix = newPrefix();
    // A short grace and tick so the spec does not wait for the production defaults (5 s, 2 s).
    const env = () =>
      appEnv(redis().env, prefix, databaseUrl, {
        EMAIL_OUTBOX_RECONCILE_MS: '300',
        EMAIL_OUTBOX_GRACE_MS: '1000',
      });

    beforeAll(async () => {
      databaseUrl = await createTestDatabase();
      producer = await startApp({ env: { ...env(), QUEUE_WORKERS: '0' } });
      db = new pg.Client({ connectionString: databaseUrl });
      await db.connect();
      emailQueue = queueView(redis(), prefix, 'email');
    }, 90_000);

    afterAll(async () => {
      await emailQueue?.close();
      await db?.end();
      await Promise.all([producer, worker].map((a) => a?.stop()));
    }, 30_000);

    it('sends every acknowledged e-mail exactly once after FLUSHALL, and answers its status meanwhile', async () => {
      const started = Date.now();
      const bobs: string[] = [];
      const others: string[] = [];
      for (let i = 0; i < 30; i++) {
        const mine = await call(
          producer!,
          'POST',
          '/notifications/email',
          { ...email(i), to: 'bob@example.com' },
          bob,
        );
        const theirs = await call(producer!, 'POST', '/notifications/email', email(100 + i), admin);
        expect([mine.status, theirs.status]).toEqual([202, 202]);
        bobs.push(String(mine.json.jobId));
        others.push(String(theirs.json.jobId));
      }
      const acked = [...bobs, ...others];
      expect((await emailQueue.getJobCounts('waiting')).waiting).toBe(60);

      await redis().client().flushall();
      expect((await emailQueue.getJobCounts('waiting')).waiting).toBe(0);
      // Redis lost the job; the row answers (or the re-added job, whichever comes first: the same answer).
      const lost = bobs[0]!;
      expect((await call(producer!, 'GET', `/notifications/${lost}`, undefined, bob)).json).toEqual({
        state: 'waiting',
        attempts: 0,
      });
      expect((await call(producer!, 'GET', `/notifications/${lost}`, undefined, carol)).status).toBe(404);
      expect((await call(producer!, 'GET', `/notifications/${lost}`, undefined, admin)).status).toBe(200);

      worker = await startApp({ env: { ...env(), QUEUE_WORKERS: '4' } });
      let missing = acked;
      await waitUntil(
        async () => {
          const { rows } = await db.query<{ message_id: string }>(
            'SELECT message_id FROM email_outbox WHERE message_id = ANY($1)',
            [missing],
          );
          const recorded = new Set(rows.map((r) => r.message_id));
          missing = missing.filter((id) => !recorded.has(id));
          return missing.length === 0;
        },
        {
          timeoutMs: 30_000,
          intervalMs: 200,
          message: () => `acknowledged e-mails never sent: ${missing.length} of ${acked.length}`,
        },
      );
      const sentAfterMs = Date.now() - started;

      // Exactly once: one record each, no repeat refused, every row sent after one attempt.
      const { rows: records } = await db.query<{ n: string; repeats: string }>(
        'SELECT count(*) AS n, sum(suppressed) AS repeats FROM email_outbox WHERE message_id = ANY($1)',
        [acked],
      );
      expect(records[0]).toEqual({ n: '60', repeats: '0' });
      const { rows: states } = await db.query<{ status: string; attempts: number; principal: string }>(
        'SELECT status, attempts, principal FROM email_message WHERE id = ANY($1)',
        [acked],
      );
      expect(states).toHaveLength(60);
      expect(states.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
      expect(states.filter((r) => r.principal === 'bob')).toHaveLength(30);
      expect((await call(worker, 'GET', `/notifications/${lost}`, undefined, bob)).json).toEqual({
        state: 'completed',
        attempts: 1,
      });

      // A job re-added for a message already sent sends nothing: the processor finds the row sent.
      await redis().client().flushall();
      const again = await emailQueue.add(
        'send',
        { ...email(0), to: 'bob@example.com', principal: 'bob' },
        { jobId: lost },
      );
      await waitUntil(async () => (await again.getState()) === 'completed', {
        timeoutMs: 10_000,
        message: 'the repeated job did not complete',
      });
      const repeated = await emailQueue.getJob(lost);
      expect(repeated?.returnvalue).toEqual({ messageId: lost, duplicate: true });
      const { rows: after } = await db.query<{ suppressed: number }>(
        'SELECT suppressed FROM email_outbox WHERE message_id = $1',
        [lost],
      );
      expect(after).toEqual([{ suppressed: 0 }]);
      // Rows sent are not checked again: nothing else comes back after a second FLUSHALL.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect((await emailQueue.getJobCounts('waiting', 'completed')).completed).toBe(1);
      console.log(
        `[outbox] 60 acknowledged, Redis flushed, 60 sent once each; all sent ${sentAfterMs} ms after the first enqueue`,
      );
    }, 60_000);

    it('a request refused while Redis is down sends nothing, and its retry with the same deduplication id does', async () => {
      const body = { ...email(7), to: 'bob@example.com', deduplicationId: 'welcome-bob' };
      await redis().standalone!.kill();
      try {
        const refused = await call(producer!, 'POST', '/notifications/email', body, bob);
        expect(refused.status).toBe(503);
        expect(refused.json.type).toBe('queue-unavailable');
      } finally {
        await redis().standalone!.start();
      }
      const { rows: cancelled } = await db.query<{ id: string }>(
        "SELECT id FROM email_message WHERE principal = 'bob' AND status = 'cancelled'",
      );
      expect(cancelled).toHaveLength(1);
      // The retry is a new message (the refused one holds its deduplication id no longer), sent once.
      const retried = await waitUntil(
        async () => {
          const a = await call(producer!, 'POST', '/notifications/email', body, bob);
          return a.status === 202 && a;
        },
        { timeoutMs: 10_000, intervalMs: 200, message: 'enqueue did not recover' },
      );
      const id = String(retried.json.jobId);
      expect(id).not.toBe(cancelled[0]!.id);
      expect((await call(producer!, 'POST', '/notifications/email', body, bob)).json.jobId).toBe(id);
      await waitUntil(
        async () =>
          (await db.query('SELECT 1 FROM email_message WHERE id = $1 AND status = $2', [id, 'sent']))
            .rowCount === 1,
        { timeoutMs: 15_000, message: 'the retried e-mail was not sent' },
      );
      const { rows: recorded } = await db.query<{ message_id: string }>(
        'SELECT message_id FROM email_outbox WHERE message_id = ANY($1)',
        [[id, cancelled[0]!.id]],
      );
      expect(recorded).toEqual([{ message_id: id }]);
      expect(
        (await call(producer!, 'GET', `/notifications/${cancelled[0]!.id}`, undefined, bob)).status,
      ).toBe(404);
    }, 40_000);
  },
  ['standalone'],
);
