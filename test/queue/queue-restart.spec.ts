// Queue acceptance: Redis restarted mid-run (AOF on, appendfsync always) loses no acknowledged job.
// Standalone: SIGKILL (a crash) and start; Cluster: every node restarted (the harness restarts with SIGTERM).
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { Queue } from 'bullmq';
import pg from 'pg';
import { startApps, type AppHandle } from '../support/app-process.js';
import { withProbe } from '../support/redis-node.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { describeEachTopology, type TopologyHandle } from '../support/topologies.js';
import { waitUntil } from '../support/wait.js';
import { appEnv, call, email, newPrefix, queueView } from './queue-kit.js';

/** `CONFIG SET appendfsync always` on every server of the deployment: each write is on disk before its reply. */
async function fsyncAlways(redis: TopologyHandle): Promise<void> {
  const ports = redis.cluster ? redis.cluster.nodes.map((n) => n.port) : [redis.standalone!.port];
  for (const port of ports) {
    await withProbe(port, async (c) => {
      await c.config('SET', 'appendfsync', 'always');
      expect(await c.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    });
  }
}

/** Crash (standalone: started again once a client saw the outage) or restart (Cluster) the deployment. */
async function bounce(redis: TopologyHandle, outageSeen: () => boolean): Promise<void> {
  if (redis.standalone) {
    await redis.standalone.kill();
    await waitUntil(outageSeen, { timeoutMs: 5_000, message: 'no client saw Redis down' });
    await redis.standalone.start();
  } else {
    await redis.restart();
  }
}

describeEachTopology(
  'Queue: Redis restarted mid-run',
  (redis, topology) => {
    let apps: AppHandle[] = [];
    let db: pg.Client;
    let emailQueue: Queue;
    const prefix = newPrefix();

    beforeAll(async () => {
      await fsyncAlways(redis());
      const databaseUrl = await createTestDatabase();
      apps = await startApps(2, {
        env: appEnv(redis().env, prefix, databaseUrl, { QUEUE_WORKERS: '4', EMAIL_LOG_DELAY_MS: '5' }),
      });
      db = new pg.Client({ connectionString: databaseUrl });
      await db.connect();
      emailQueue = queueView(redis(), prefix, 'email');
    }, 90_000);

    afterAll(async () => {
      await emailQueue?.close();
      await db?.end();
      await Promise.all(apps.map((a) => a.stop()));
    }, 30_000);

    it('every job answered 202 before, during or after the restart completes', async () => {
      const acked: string[] = [];
      let refused = 0;
      let errors = 0;
      let n = 0;
      let phase: 'before' | 'outage' | 'after' = 'before';
      let ackedAfter = 0;
      // 6 clients enqueue continuously over both processes until 150 jobs were acknowledged after the restart.
      const clients = Array.from({ length: 6 }, async (_, c) => {
        while (ackedAfter < 150) {
          const i = n++;
          try {
            const a = await call(apps[(i + c) % 2]!, 'POST', '/notifications/email', email(i));
            if (a.status === 202) {
              acked.push(String(a.json.jobId));
              if (phase === 'after') ackedAfter++;
            } else if (
              a.status === 503 &&
              // Refused, not lost: the enqueue itself, or a session that could not be loaded mid-restart.
              (a.json.type === 'queue-unavailable' || a.json.type === 'service-unavailable')
            )
              refused++;
            else throw new Error(`unexpected ${a.status}: ${a.text}`);
          } catch (err) {
            if ((err as Error).message.startsWith('unexpected')) throw err;
            errors++;
          }
        }
      });
      await waitUntil(() => acked.length >= 150, {
        timeoutMs: 20_000,
        message: 'no enqueue before the restart',
      });
      const ackedBefore = acked.length;
      phase = 'outage';
      const bounced = Date.now();
      const refusedBefore = refused;
      await bounce(redis(), () => refused + errors > refusedBefore);
      const downMs = Date.now() - bounced;
      phase = 'after';
      await Promise.all(clients);
      const stoppedEnqueuing = Date.now();
      const total = acked.length;
      expect(new Set(acked).size).toBe(total);

      // No acknowledged job is lost: each one completes and records its e-mail.
      let missing: string[] = acked;
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
          timeoutMs: 60_000,
          intervalMs: 200,
          message: () =>
            `acknowledged jobs not completed: ${missing.slice(0, 5).join(', ')} (${missing.length})`,
        },
      ).catch(async (err: Error) => {
        const states = await Promise.all(
          missing
            .slice(0, 5)
            .map(
              async (id) => `${id}: ${(await emailQueue.getJob(id).then((j) => j?.getState())) ?? 'absent'}`,
            ),
        );
        throw new Error(`${err.message}; states: ${states.join(', ')}`);
      });
      const lagMs = Date.now() - stoppedEnqueuing;
      const { rows } = await db.query<{ message_id: string }>('SELECT message_id FROM email_outbox');
      // Jobs of requests answered 503 that Redis kept anyway may still be running: let the queue settle.
      const counts = await waitUntil(
        async () => {
          const c = await emailQueue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
          return c.waiting! + c.active! + c.delayed! === 0 && c;
        },
        { timeoutMs: 30_000, intervalMs: 200, message: 'the queue did not settle' },
      );
      expect(counts.failed).toBe(0);
      expect(counts.completed).toBeGreaterThanOrEqual(total);
      console.log(
        `[queue ${topology}] Redis ${redis().standalone ? 'killed -9 and started' : 'restarted (all 6 nodes)'} in ` +
          `${downMs} ms with appendfsync always: ${total} jobs acknowledged (${ackedBefore} before, ` +
          `${total - ackedBefore} during/after), ${refused} refused with 503 queue-unavailable, ${errors} ` +
          `connection errors; all ${total} acknowledged jobs completed, the last ${lagMs} ms after the last enqueue ` +
          `(${rows.length} e-mails recorded, ` +
          `${rows.length - total} from requests answered 503 whose job Redis kept anyway)`,
      );
    }, 90_000);
  },
  ['cluster'],
);
