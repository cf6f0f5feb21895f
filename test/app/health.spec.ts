import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startApp, type AppHandle } from '../support/app-process.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { authHeader } from '../support/auth.js';
import { freePort } from '../support/ports.js';
import { startRedis, type RedisHandle } from '../support/redis-standalone.js';
import { waitUntil } from '../support/wait.js';

const get = (app: AppHandle, path: string) => fetch(app.url + path, { signal: AbortSignal.timeout(5_000) });

describe('health probes', () => {
  let redis: RedisHandle;
  let app: AppHandle;

  beforeAll(async () => {
    redis = await startRedis();
    app = await startApp({ env: { ...redis.env, DATABASE_URL: await createTestDatabase() } });
  });

  afterAll(async () => {
    await app?.stop();
    await redis?.stop();
  });

  it('reports redis and database up with their details', async () => {
    const res = await get(app, '/health/ready');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; details: Record<string, Record<string, unknown>> };
    expect(body.status).toBe('ok');
    expect(body.details.redis).toMatchObject({ status: 'up', role: 'master', maxmemoryPolicy: 'noeviction' });
    expect(typeof body.details.redis!.latencyMs).toBe('number');
    expect(body.details.database).toMatchObject({ status: 'up', kind: 'postgres' });
  });

  it('answers live with 200', async () => {
    expect((await get(app, '/health/live')).status).toBe(200);
  });
});

describe('health probes while Redis is unreachable', () => {
  let app: AppHandle;
  let port: number;
  let redis: RedisHandle | undefined;

  beforeAll(async () => {
    port = await freePort(); // nothing listens here yet
    app = await startApp({
      env: { REDIS_URL: `redis://127.0.0.1:${port}`, DATABASE_URL: await createTestDatabase() },
    });
  });

  afterAll(async () => {
    await app?.stop();
    await redis?.stop();
  });

  it('answers ready 503 within 2 s and live 200, and keeps running', async () => {
    const started = Date.now();
    const res = await get(app, '/health/ready');
    const elapsed = Date.now() - started;
    expect(res.status).toBe(503);
    expect(elapsed).toBeLessThan(2_000);
    const body = (await res.json()) as { error: Record<string, { status: string }> };
    expect(body.error.redis?.status).toBe('down');
    expect((await get(app, '/health/live')).status).toBe(200);
  });

  it('is ready again within 5 s once a Redis listens, without a restart', async () => {
    redis = await startRedis({ port });
    const started = Date.now();
    await waitUntil(async () => (await get(app, '/health/ready')).status === 200, {
      timeoutMs: 5_000,
      intervalMs: 100,
      message: 'ready did not turn 200 within 5 s',
    });
    console.log(`ready again ${Date.now() - started} ms after Redis started`);
  });
});

/** Calls per command from `INFO commandstats`, without INFO itself (the probe's own). */
async function commandCalls(redis: RedisHandle): Promise<Map<string, number>> {
  const client = redis.client();
  const info = await client.info('commandstats');
  const calls = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    if (m[1] !== 'info') calls.set(m[1]!, Number(m[2]));
  return calls;
}

function commandsBetween(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, n] of after) if (n !== (before.get(name) ?? 0)) out[name] = n - (before.get(name) ?? 0);
  return out;
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

describe('readiness under probe load and shutdown', () => {
  let redis: RedisHandle;
  let app: AppHandle;

  beforeAll(async () => {
    redis = await startRedis();
    // Default queue workers: the queues' readiness checks are part of the cost.
    app = await startApp({ env: { ...redis.env, DATABASE_URL: await createTestDatabase() } });
    await waitUntil(async () => (await get(app, '/health/ready')).status === 200, { timeoutMs: 15_000 });
  });

  afterAll(async () => {
    await app?.stop();
    await redis?.stop();
  });

  it('200 probes in 2 s cost at most ~3 computations of Redis commands (computed at most once a second)', async () => {
    // The cost of one computation: a probe after the last result is older than a second.
    await new Promise((r) => setTimeout(r, 1_100));
    const s0 = await commandCalls(redis);
    expect((await get(app, '/health/ready')).status).toBe(200);
    const one = commandsBetween(s0, await commandCalls(redis));

    await new Promise((r) => setTimeout(r, 1_100));
    const s1 = await commandCalls(redis);
    const statuses: Promise<number>[] = [];
    const started = performance.now();
    // 10 probes every 100 ms for 2 s, each batch concurrent.
    for (let batch = 0; batch < 20; batch++) {
      for (let i = 0; i < 10; i++) statuses.push(get(app, '/health/ready').then((r) => r.status));
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(new Set(await Promise.all(statuses))).toEqual(new Set([200]));
    // On a loaded machine the 2 s of timers stretch: one computation per started second, plus the first.
    const computations = Math.ceil((performance.now() - started) / 1000) + 1;
    const burst = commandsBetween(s1, await commandCalls(redis));
    console.log(
      `/health/ready: one computation = ${total(one)} Redis commands ${JSON.stringify(one)}; ` +
        `200 probes in 2 s = ${total(burst)} ${JSON.stringify(burst)}`,
    );
    expect(total(one)).toBeGreaterThan(0);
    // At most one computation a second (3 in 2 s: t=0, ~1 s, ~2 s); slack for idle workers' own polling.
    expect(computations).toBeLessThanOrEqual(4);
    expect(total(burst)).toBeLessThanOrEqual(computations * total(one) + 20);
  }, 30_000);

  it('answers 503 from the moment SIGTERM arrives until the process exits', async () => {
    const worker = await startApp({
      env: {
        ...redis.env,
        DATABASE_URL: await createTestDatabase(),
        REDIS_KEY_PREFIX: 'drain',
        // A running job holds the shutdown in its drain for a while: probes keep reaching the process.
        EMAIL_LOG_DELAY_MS: '2000',
        QUEUE_SHUTDOWN_GRACE_MS: '5000',
      },
    });
    try {
      await waitUntil(async () => (await get(worker, '/health/ready')).status === 200, { timeoutMs: 15_000 });
      const enqueued = await fetch(`${worker.url}/notifications/email`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: authHeader('alice', { email: 'a@example.com' }),
        },
        body: JSON.stringify({ to: 'a@example.com', subject: 'drain', body: 'hold the shutdown' }),
      });
      expect(enqueued.status).toBe(202);
      // The last result, 200, is fresh: a cached verdict would answer 200 right after SIGTERM.
      expect((await get(worker, '/health/ready')).status).toBe(200);
      const stopping = worker.stop('SIGTERM', 15_000);
      const seen: number[] = [];
      let exited = false;
      void stopping.then(() => (exited = true));
      while (!exited) {
        const status = await get(worker, '/health/ready').then(
          (r) => r.status,
          () => 0, // refused: the listener is closed
        );
        if (status === 0) break;
        seen.push(status);
        await new Promise((r) => setTimeout(r, 20));
      }
      await stopping;
      console.log(`/health/ready after SIGTERM: ${seen.length} answers: ${seen.slice(0, 8).join(',')}...`);
      // The probe sent right after kill() can be read before the process handles the signal (same event
      // loop turn); every later one answers 503 though the cached verdict (200) would still be fresh.
      const first503 = seen.indexOf(503);
      expect(first503).toBeGreaterThanOrEqual(0);
      expect(first503).toBeLessThanOrEqual(1);
      expect(seen.slice(first503).every((s) => s === 503)).toBe(true);
      expect(seen.length - first503).toBeGreaterThan(5); // the drain kept the process answering
    } finally {
      await worker.stop().catch(() => undefined);
    }
  }, 60_000);
});
