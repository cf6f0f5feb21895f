// The chaos runner: three app instances over one topology and a real PostgreSQL, the mixed workload of
// chaos-workload.ts, one fault per phase, then the invariants checked in PostgreSQL and through the API.
// Used by `npm run chaos` (test/chaos/chaos.chaos.ts, every fault) and by CI (test/chaos/chaos.spec.ts,
// a short run on a healthy Cluster and one fault).
import pg from 'pg';
import { startApp, startApps, type AppHandle } from '../support/app-process.js';
import { authHeader } from '../support/auth.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { startCluster, type ClusterHandle } from '../support/redis-cluster.js';
import { startSentinel, type SentinelHandle } from '../support/redis-sentinel.js';
import { startRedis, type RedisHandle } from '../support/redis-standalone.js';
import { killMasterOf, migrateSlot, slotOf, stall } from './chaos-faults.js';
import { send, Workload } from './chaos-workload.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One row of the table: the invariants after one fault. */
export interface ChaosRow {
  fault: string;
  requests: number;
  /** Overlapping bookings in PostgreSQL (must be 0). */
  overlaps: number;
  /** Payment keys with more than one row (must be 0), and acknowledged payments missing from the table. */
  paymentsDoubled: number;
  paymentsLost: number;
  /** E-mail jobs answered 202 that never completed after recovery. */
  jobsLost: number;
  jobsAcked: number;
  /** E-mail jobs the outbox reconcilers re-added because Redis had lost them. */
  jobsReadded: number;
  /** Catalogue reads older than a write whose response had arrived, out of the PATCH + GET pairs. */
  staleReads: number;
  readPairs: number;
  /** Seconds from the fault to the last stale read (0 when none). */
  staleWindowSeconds: number;
  /** 5xx answers other than 503 (must be 0). */
  unexpected5xx: number;
  n503: number;
  lockBusy: number;
  bookingsCreated: number;
  /** Overlaps refused by the exclusion constraint (two writers got past the lock). */
  dbRefusals: number;
  /** Bookings the fence trigger refused (409 stale-fencing-token): a holder whose lock had passed on. */
  fenceRefusals: number;
  /** Seconds from the fault until every instance's /health/ready answered 200 again. */
  readySeconds: number;
  /** Rate-limited reads allowed, against the limit's bound over the phase. */
  rateAllowed: number;
  rateBound: number;
}

/** The rate-limited read's policy, per second (sliding window): the reader asks for more. */
const RATE_LIMIT = 5;

/** Environment of the chaos apps. */
export function chaosEnv(redisEnv: Record<string, string>, databaseUrl: string, prefix: string) {
  return {
    ...redisEnv,
    DATABASE_URL: databaseUrl,
    REDIS_KEY_PREFIX: prefix,
    RATE_LIMIT_DEFAULT: '1000000/60s',
    RATE_LIMIT_MESSAGE: '1000000/60s',
    RATE_LIMIT_EXPORT: `${RATE_LIMIT}/1s`,
    RATE_LIMIT_PROBE_ROUTES: '1',
    // 3 apps, up to 6 Redis nodes and PostgreSQL share 2 cores: scheduling delays are not faults.
    REDIS_COMMAND_TIMEOUT_MS: '1000',
    // A killed instance's jobs and idempotency claims come back within seconds, not the production 30 s.
    QUEUE_LOCK_DURATION_MS: '3000',
    QUEUE_STALLED_INTERVAL_MS: '1000',
    IDEMPOTENCY_LEASE_MS: '3000',
    QUEUE_WORKERS: '2',
  };
}

/** A topology with its apps and database, shared by the phases that run on it. */
export interface Stage {
  name: string;
  apps: AppHandle[];
  db: pg.Client;
  env: Record<string, string>;
  stop(): Promise<void>;
  redis?: RedisHandle;
  cluster?: ClusterHandle;
  sentinel?: SentinelHandle;
}

async function stage(
  name: string,
  redisEnv: Record<string, string>,
  stopRedis: () => Promise<void>,
): Promise<Stage> {
  const databaseUrl = await createTestDatabase();
  const env = chaosEnv(redisEnv, databaseUrl, `chaos${Math.random().toString(36).slice(2, 8)}`);
  const apps = await startApps(3, { env, readyTimeoutMs: 60_000 });
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  return {
    name,
    apps,
    db,
    env,
    async stop() {
      await db.end();
      await Promise.all(apps.map((a) => a.stop('SIGTERM', 5_000)));
      await stopRedis();
    },
  };
}

export async function clusterStage(): Promise<Stage> {
  const cluster = await startCluster();
  return { ...(await stage('cluster', cluster.env, () => cluster.stop())), cluster };
}

export async function sentinelStage(): Promise<Stage> {
  const sentinel = await startSentinel({ replicas: 2 });
  return { ...(await stage('sentinel', sentinel.env, () => sentinel.stop())), sentinel };
}

/** Standalone without persistence: a restart loses every key, fence counters included. */
export async function standaloneStage(): Promise<Stage> {
  const redis = await startRedis({ aof: false });
  return { ...(await stage('standalone', redis.env, () => redis.stop())), redis };
}

/** A fault: injected `warmupMs` into the workload; resolves once the fault has been applied. */
export interface Fault {
  name: string;
  inject(stage: Stage, tag: string): Promise<void>;
}

export const faults = {
  none: { name: 'no fault', inject: async () => undefined },
  sentinelKill: {
    name: 'Sentinel master kill -9',
    async inject(s) {
      await s.sentinel!.killMaster();
      await s.sentinel!.waitForFailover();
    },
  },
  clusterKill: {
    name: 'Cluster master kill -9',
    async inject(s, tag) {
      await killMasterOf(s.cluster!, await slotOf(s.cluster!, `car:${tag}-car0`));
    },
  },
  clusterMigrate: {
    name: 'Cluster slot migration',
    async inject(s, tag) {
      for (let car = 0; car < 5; car++)
        await migrateSlot(s.cluster!, await slotOf(s.cluster!, `car:${tag}-car${car}`));
    },
  },
  standaloneRestart: {
    name: 'standalone restart, no persistence',
    async inject(s) {
      await s.redis!.kill();
      await s.redis!.start();
    },
  },
  standaloneStall: {
    name: 'standalone SIGSTOP 3 s',
    async inject(s) {
      await stall(s.redis!, 3_000);
    },
  },
  lockLoss: {
    name: 'lock and fence keys lost (4 s)',
    // What an asynchronous failover does to acknowledged writes, made frequent: every lock and fence
    // key vanishes every few ms, so holders overlap and counters restart. The fence and the exclusion
    // constraint must keep the bookings right by themselves.
    async inject(s) {
      const client = s.redis!.client();
      const prefix = s.env.REDIS_KEY_PREFIX!;
      const until = Date.now() + 4_000;
      while (Date.now() < until) {
        for (const area of ['lock', 'fence']) {
          let cursor = '0';
          do {
            const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:${area}:*`, 'COUNT', 1_000);
            if (keys.length) await client.del(...keys);
            cursor = next;
          } while (cursor !== '0');
        }
        await sleep(5);
      }
    },
  },
  appKill: {
    name: 'app instance kill -9',
    async inject(s) {
      const victim = s.apps[2]!;
      await victim.kill();
      // Its replacement boots while the other two carry the traffic.
      s.apps[2] = await startApp({ env: s.env, readyTimeoutMs: 60_000 });
    },
  },
} satisfies Record<string, Fault>;

async function sumMetric(apps: AppHandle[], name: string): Promise<number> {
  let total = 0;
  for (const app of apps) {
    const res = await send(app, 'GET', '/metrics', {
      timeoutMs: 5_000,
      auth: authHeader('ops', { roles: ['admin'] }),
    });
    const text = typeof res.body.text === 'string' ? res.body.text : '';
    total += Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  }
  return total;
}

async function scalar(db: pg.Client, sql: string, params: unknown[]): Promise<number> {
  const { rows } = await db.query<{ n: string }>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

/** Waits (up to `timeoutMs`) until every instance answers /health/ready 200 twice in a row. */
async function waitAllReady(apps: AppHandle[], timeoutMs: number): Promise<number> {
  const started = Date.now();
  let streak = 0;
  while (Date.now() - started < timeoutMs) {
    const statuses = await Promise.all(
      apps.map((a) => send(a, 'GET', '/health/ready', { timeoutMs: 2_000 })),
    );
    streak = statuses.every((s) => s.status === 200) ? streak + 1 : 0;
    if (streak >= 2) return Date.now();
    await sleep(250);
  }
  return Number.NaN;
}

/**
 * One phase: the workload for `durationMs`, the fault after `warmupMs`, recovery, then the checks.
 */
export async function runPhase(
  s: Stage,
  fault: Fault,
  opts: { durationMs: number; warmupMs: number; catalogueIds: number[] },
): Promise<ChaosRow> {
  const tag = `${s.name}-${fault.name.replace(/[^a-z0-9]+/gi, '').slice(0, 16)}-${Date.now().toString(36)}`;
  const refusedBefore = await sumMetric(s.apps, 'bookings_overlap_refused_total');
  const readdedBefore = await sumMetric(s.apps, 'email_outbox_readded_total');
  const workload = new Workload(() => s.apps, { tag, catalogueIds: opts.catalogueIds });
  workload.start();
  await sleep(opts.warmupMs);
  const faultAt = Date.now();
  await fault.inject(s, tag);
  await sleep(Math.max(0, opts.durationMs - (Date.now() - workload.record.rate.startedAt)));
  await workload.stop();
  const allReadyAt = await waitAllReady(s.apps, 45_000);
  const r = workload.record;
  if (Number.isNaN(allReadyAt)) {
    for (const app of s.apps) {
      const ready = await send(app, 'GET', '/health/ready', { timeoutMs: 2_000 });
      process.stderr.write(
        `[chaos] ${app.url} not ready: ${ready.status} ${JSON.stringify(ready.body).slice(0, 800)}\n${app.output().slice(-2_000)}\n`,
      );
    }
  }

  // Every non-200 readiness answer after the fault, then the first all-200 moment.
  const lastNotReady = Math.max(
    faultAt,
    ...r.ready.filter((p) => p.at >= faultAt && p.status !== 200).map((p) => p.at),
  );
  const anyNotReady = r.ready.some((p) => p.at >= faultAt && p.status !== 200);
  const readySeconds = anyNotReady
    ? (Math.min(allReadyAt, ...r.ready.filter((p) => p.at > lastNotReady).map((p) => p.at)) - faultAt) / 1000
    : 0;

  // Acknowledged e-mail jobs: each must be delivered once Redis and the workers are back (20 s at most).
  // Delivery is read from the outbox table (message id = job id): a job record Redis lost after it
  // completed is not a lost job.
  let pending = [...r.jobsAcked];
  const deadline = Date.now() + 20_000;
  while (pending.length > 0 && Date.now() < deadline) {
    const { rows: sent } = await s.db.query<{ message_id: string }>(
      'SELECT message_id FROM email_outbox WHERE message_id = ANY($1)',
      [pending],
    );
    const done = new Set(sent.map((row) => row.message_id));
    pending = pending.filter((id) => !done.has(id));
    if (pending.length > 0) await sleep(500);
  }

  const like = `${tag}-%`;
  const overlaps = await scalar(
    s.db,
    `SELECT count(*) AS n FROM bookings a JOIN bookings b ON a.car_id = b.car_id AND a.id < b.id
       AND daterange(a.start_date, a.end_date, '[)') && daterange(b.start_date, b.end_date, '[)')
     WHERE a.car_id LIKE $1`,
    [like],
  );
  const bookingsCreated = await scalar(s.db, 'SELECT count(*) AS n FROM bookings WHERE car_id LIKE $1', [
    like,
  ]);
  const paymentsDoubled = await scalar(
    s.db,
    `SELECT count(*) AS n FROM (SELECT customer_id FROM payments WHERE customer_id LIKE $1
       GROUP BY customer_id HAVING count(*) > 1) d`,
    [like],
  );
  const { rows: paid } = await s.db.query<{ customer_id: string }>(
    'SELECT DISTINCT customer_id FROM payments WHERE customer_id = ANY($1)',
    [r.paymentsAcked],
  );
  const outcomes = [...r.outcomes];
  const total = (match: (key: string) => boolean) =>
    outcomes.filter(([k]) => match(k)).reduce((n, [, v]) => n + v, 0);
  const elapsed = (r.rate.stoppedAt - r.rate.startedAt) / 1000;
  return {
    fault: `${s.name}: ${fault.name}`,
    requests: total(() => true),
    overlaps,
    paymentsDoubled,
    paymentsLost: r.paymentsAcked.length - paid.length,
    jobsLost: pending.length,
    jobsAcked: r.jobsAcked.length,
    // An instance killed in the phase takes its count with it: never below 0.
    jobsReadded: Math.max(0, (await sumMetric(s.apps, 'email_outbox_readded_total')) - readdedBefore),
    staleReads: r.staleReads.length,
    readPairs: r.readPairs,
    staleWindowSeconds: r.staleReads.length
      ? Math.round((Math.max(...r.staleReads) - faultAt) / 100) / 10
      : 0,
    unexpected5xx: r.unexpected5xx.length,
    n503: total((k) => / 503\b/.test(k)),
    lockBusy: total((k) => k.endsWith('lock-busy')),
    bookingsCreated,
    fenceRefusals: total((k) => k.endsWith('stale-fencing-token')),
    dbRefusals: (await sumMetric(s.apps, 'bookings_overlap_refused_total')) - refusedBefore,
    readySeconds: Math.round(readySeconds * 10) / 10,
    rateAllowed: r.rate.allowed,
    // A sliding window admits at most the limit per window, plus one window's worth at the start.
    rateBound: Math.ceil(RATE_LIMIT * (elapsed + 1)),
  };
}

/** The outcome counts of the last phases, for the log (kept small). */
export function formatTable(rows: ChaosRow[]): string {
  const head = [
    'fault',
    'reqs',
    'overlaps',
    'pay x2',
    'pay lost',
    'jobs lost/acked',
    're-added',
    'stale reads/pairs',
    '5xx!=503',
    '503',
    'lock-busy',
    'booked',
    'db refusals',
    'fence 409',
    'ready s',
    'rate allowed/bound',
  ];
  const lines = rows.map((r) => [
    r.fault,
    String(r.requests),
    String(r.overlaps),
    String(r.paymentsDoubled),
    String(r.paymentsLost),
    `${r.jobsLost}/${r.jobsAcked}`,
    String(r.jobsReadded),
    `${r.staleReads}/${r.readPairs}${r.staleReads ? ` (${r.staleWindowSeconds} s)` : ''}`,
    String(r.unexpected5xx),
    String(r.n503),
    String(r.lockBusy),
    String(r.bookingsCreated),
    String(r.dbRefusals),
    String(r.fenceRefusals),
    String(r.readySeconds),
    `${r.rateAllowed}/${r.rateBound}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n');
}
