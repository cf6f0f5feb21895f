// Queues on Sentinel: the BullMQ connections (producer, workers and their blocking duplicates) follow a
// failover to the promoted replica; jobs enqueued after it complete.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import pg from 'pg';
import { startApp, type AppHandle } from '../support/app-process.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { describeEachTopology } from '../support/topologies.js';
import { waitUntil } from '../support/wait.js';
import { appEnv, call, email, newPrefix, pool } from './queue-kit.js';

describeEachTopology(
  'Queue on Sentinel',
  (redis) => {
    let app: AppHandle;
    let db: pg.Client;

    beforeAll(async () => {
      const databaseUrl = await createTestDatabase();
      app = await startApp({ env: appEnv(redis().env, newPrefix(), databaseUrl, { QUEUE_WORKERS: '4' }) });
      db = new pg.Client({ connectionString: databaseUrl });
      await db.connect();
    }, 60_000);

    afterAll(async () => {
      await db?.end();
      await app?.stop();
    }, 30_000);

    /** Enqueues `n` e-mails (retrying 503s, which the failover may cause) and waits until all are recorded. */
    async function sendAndComplete(from: number, n: number): Promise<number> {
      let refused = 0;
      const ids = await pool(
        Array.from({ length: n }, (_, i) => from + i),
        4,
        (i) =>
          waitUntil(
            async () => {
              const a = await call(app, 'POST', '/notifications/email', email(i));
              if (a.status === 503) refused++;
              return a.status === 202 && String(a.json.jobId);
            },
            { timeoutMs: 20_000, intervalMs: 100, message: 'enqueue kept failing' },
          ),
      );
      await waitUntil(
        async () => {
          const { rows } = await db.query(
            'SELECT count(*) AS n FROM email_outbox WHERE message_id = ANY($1)',
            [ids],
          );
          return Number(rows[0].n) === n;
        },
        { timeoutMs: 30_000, intervalMs: 100, message: 'jobs did not complete' },
      );
      return refused;
    }

    it('processes jobs before and after a master failover', async () => {
      await sendAndComplete(0, 30);
      const before = await redis().sentinel!.master();
      await redis().sentinel!.killMaster();
      const after = await redis().sentinel!.waitForFailover();
      expect(after.port).not.toBe(before.port);
      const started = Date.now();
      const refused = await sendAndComplete(100, 30);
      console.log(
        `[queue sentinel] master ${before.port} -> ${after.port}; 30 jobs after the failover completed in ` +
          `${Date.now() - started} ms (${refused} enqueue(s) answered 503 meanwhile)`,
      );
    }, 60_000);
  },
  ['sentinel'],
);
