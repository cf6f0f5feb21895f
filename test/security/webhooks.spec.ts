// Webhook targets must be public: registration refuses loopback, private, link-local and names that resolve
// to them (400); a delivery whose name resolves to a private address at send time is refused and sends
// nothing (the connection goes to the address that was checked: no DNS rebinding).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { isPublicAddress } from '../../src/features/webhooks/webhook.target.js';
import { startApp, type AppHandle } from '../support/app-process.js';
import { authHeader } from '../support/auth.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { startRedis, type RedisHandle } from '../support/redis-standalone.js';
import { waitUntil } from '../support/wait.js';
import { queueView } from '../queue/queue-kit.js';
import type { TopologyHandle } from '../support/topologies.js';

const admin = authHeader('ops', { roles: ['admin'] });

async function register(
  app: AppHandle,
  url: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${app.url}/webhooks/subscriptions`, {
    method: 'POST',
    headers: { authorization: admin, 'content-type': 'application/json' },
    body: JSON.stringify({ url, events: ['webhook.ping'] }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('webhook targets', () => {
  let redis: RedisHandle;
  let app: AppHandle;
  let db: pg.Client;
  let receiver: Server;
  let received = 0;
  const prefix = `w${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      received++;
      req.resume();
      res.statusCode = 204;
      res.end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    redis = await startRedis();
    const url = await createTestDatabase();
    db = new pg.Client({ connectionString: url });
    await db.connect();
    app = await startApp({
      env: {
        ...redis.env,
        REDIS_KEY_PREFIX: prefix,
        DATABASE_URL: url,
        QUEUE_WORKERS: '1',
        QUEUE_ATTEMPTS: '1',
      },
    });
  }, 90_000);

  afterAll(async () => {
    await app?.stop();
    await db?.end();
    await redis?.stop();
    receiver?.close();
  });

  it('classifies addresses', () => {
    for (const a of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '64:ff9b::a00:1',
    ]) {
      expect({ a, public: isPublicAddress(a) }).toEqual({ a, public: false });
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111']) {
      expect({ a, public: isPublicAddress(a) }).toEqual({ a, public: true });
    }
  });

  it('registration of loopback, private, link-local and names resolving to them answers 400', async () => {
    const port = (receiver.address() as AddressInfo).port;
    for (const url of [
      'http://127.0.0.1/',
      'http://10.0.0.1/',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      `http://localhost:${port}/hook`,
      'http://0.0.0.0/',
    ]) {
      const r = await register(app, url);
      expect({ url, status: r.status, type: r.body.type }).toEqual({
        url,
        status: 400,
        type: 'validation-error',
      });
    }
    expect(received).toBe(0);
  });

  it('a delivery to a name that now resolves to a private address is refused and sends nothing', async () => {
    // As if `localhost` had resolved to a public address when it was registered (DNS changes; rebinding).
    const port = (receiver.address() as AddressInfo).port;
    const { rows } = await db.query(
      `INSERT INTO webhook_subscriptions (url, events, secret) VALUES ($1, ARRAY['webhook.ping'], 'whsec_spec') RETURNING id`,
      [`http://localhost:${port}/hook`],
    );
    const id = String(rows[0].id);
    const ping = await fetch(`${app.url}/webhooks/subscriptions/${id}/ping`, {
      method: 'POST',
      headers: { authorization: admin },
    });
    expect(ping.status).toBe(202);
    const { jobId } = (await ping.json()) as { jobId: string };
    const queue = queueView(
      { client: () => redis.client() } as unknown as TopologyHandle,
      prefix,
      'webhooks',
    );
    try {
      const job = await waitUntil(
        async () => {
          // The job read before it failed has no failedReason: wait for one read after the failure.
          const j = await queue.getJob(jobId);
          return j?.failedReason !== undefined && (await j.getState()) === 'failed' ? j : undefined;
        },
        { timeoutMs: 15_000, message: 'the delivery did not fail' },
      );
      expect(job.failedReason).toMatch(/target refused: localhost resolves to .*not a public address/);
    } finally {
      await queue.close();
    }
    expect(received).toBe(0);
  });
});
