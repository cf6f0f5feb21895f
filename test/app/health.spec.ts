import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startApp, type AppHandle } from '../support/app-process.js';
import { createTestDatabase } from '../support/pg-shared.js';
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
