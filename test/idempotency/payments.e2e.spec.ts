// Idempotency acceptance on the built app: 3 processes, real Redis (standalone and Cluster), real PostgreSQL.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import pg from 'pg';
import { scopedKeyOf } from '../../src/platform/idempotency/index.js';
import { KeyBuilder } from '../../src/platform/redis/index.js';
import { startApps, type AppHandle } from '../support/app-process.js';
import { authHeader } from '../support/auth.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { describeEachTopologyAndAdapter } from '../support/adapters.js';
import { waitUntil } from '../support/wait.js';

const LEASE_MS = 1500;

interface Raw {
  status: number;
  headers: Headers;
  body: Buffer;
  json: Record<string, unknown>;
}

/** The specs pay as an admin, who may pay for any customerId and read every payment. */
const PAYER = authHeader('payments-spec', { roles: ['admin'] });
const asPayer = { headers: { authorization: PAYER } };

async function post(app: AppHandle, body: unknown, headers: Record<string, string> = {}): Promise<Raw> {
  const res = await fetch(`${app.url}/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: PAYER, ...headers },
    body: JSON.stringify(body),
  });
  const raw = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body: raw, json: JSON.parse(raw.toString('utf8')) };
}

/** `idempotency_requests_total` by outcome, summed over the processes. */
async function outcomes(apps: AppHandle[]): Promise<Record<string, number>> {
  const sum: Record<string, number> = {};
  for (const app of apps) {
    const text = await (await fetch(`${app.url}/metrics`)).text();
    for (const m of text.matchAll(/^idempotency_requests_total\{outcome="([a-z_]+)"\} (\d+)/gm)) {
      sum[m[1]!] = (sum[m[1]!] ?? 0) + Number(m[2]);
    }
  }
  return sum;
}

describeEachTopologyAndAdapter(
  'Payments with @Idempotent over 3 processes',
  (redis, _topology, adapter) => {
    let apps: AppHandle[];
    let db: pg.Client;
    let probe: Redis | Cluster;
    const prefix = `t${randomBytes(4).toString('hex')}`;
    /** The Redis record of an anonymous caller's key. */
    const recordKey = (key: string) =>
      new KeyBuilder(prefix).key('idem', scopedKeyOf('principal', 'p:payments-spec', key));

    /** Payment rows of a customer: each test uses its own customer id. */
    const rows = async (customerId: string) =>
      (await db.query<{ id: string }>('SELECT id FROM payments WHERE customer_id = $1', [customerId])).rows;

    beforeAll(async () => {
      const databaseUrl = await createTestDatabase();
      apps = await startApps(3, {
        adapter,
        env: {
          ...redis().env,
          REDIS_KEY_PREFIX: prefix,
          DATABASE_URL: databaseUrl,
          IDEMPOTENCY_LEASE_MS: String(LEASE_MS),
          IDEMPOTENCY_TEST_HOOKS: '1',
          // A global rate limiter is being built elsewhere: keep it out of the way of these bursts.
          RATE_LIMIT_DEFAULT: '1000000/60s',
        },
      });
      probe = redis().client();
      db = new pg.Client({ connectionString: databaseUrl });
      await db.connect();
    }, 90_000);

    afterAll(async () => {
      await db?.end();
      await Promise.all((apps ?? []).map((a) => a.stop()));
    }, 30_000);

    it('50 concurrent identical POSTs with one key: one row; every answer the same 201 or a 409', async () => {
      const customerId = `cus_${randomUUID()}`;
      const key = randomUUID();
      const body = { amount: 4999, currency: 'usd', customerId };
      const before = await outcomes(apps);
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) => post(apps[i % 3]!, body, { 'idempotency-key': key })),
      );
      const created = answers.filter((a) => a.status === 201);
      const conflicts = answers.filter((a) => a.status === 409);
      expect(created.length + conflicts.length).toBe(50);
      expect(created.length).toBeGreaterThanOrEqual(1);
      for (const a of created) expect(a.body.equals(created[0]!.body)).toBe(true);
      for (const c of conflicts) expect(c.headers.get('retry-after')).toBe('1');
      expect(created.filter((a) => a.headers.get('idempotent-replayed') === null)).toHaveLength(1);
      const stored = await rows(customerId);
      expect(stored).toHaveLength(1);
      expect(created[0]!.json).toEqual({
        id: stored[0]!.id,
        amount: 4999,
        currency: 'usd',
        customerId,
        status: 'requires_payment',
        checkoutUrl: `https://checkout.example.com/pay/${stored[0]!.id}`,
      });
      console.log(`[idempotency] 50 concurrent: ${created.length} x 201, ${conflicts.length} x 409, 1 row`);
      // MetricsService counts each outcome across the processes.
      expect((await post(apps[0]!, { ...body, amount: 1 }, { 'idempotency-key': key })).status).toBe(422);
      const after = await outcomes(apps);
      const delta = (o: string) => (after[o] ?? 0) - (before[o] ?? 0);
      expect({
        new: delta('new'),
        replayed: delta('replayed'),
        in_flight: delta('in_flight'),
        mismatched: delta('mismatched'),
      }).toEqual({
        new: 1,
        replayed: created.length - 1,
        in_flight: conflicts.length,
        mismatched: 1,
      });
    });

    it('replays byte-identical bodies from every process, with Idempotent-Replayed: true', async () => {
      const key = randomUUID();
      const body = { amount: 1200, currency: 'eur', customerId: `cus_${randomUUID()}` };
      const first = await post(apps[0]!, body, { 'idempotency-key': key });
      expect(first.status).toBe(201);
      for (const app of apps) {
        const again = await post(app, body, { 'idempotency-key': key });
        expect(again.status).toBe(201);
        expect(again.body.equals(first.body)).toBe(true);
        expect(again.headers.get('idempotent-replayed')).toBe('true');
        expect(again.headers.get('location')).toBe(`/payments/${String(first.json.id)}`);
      }
    });

    it('answers 422 for the key with another amount, 400 without a key or with a 300-character key', async () => {
      const key = randomUUID();
      const customerId = `cus_${randomUUID()}`;
      expect(
        (await post(apps[0]!, { amount: 100, currency: 'gbp', customerId }, { 'idempotency-key': key }))
          .status,
      ).toBe(201);
      const other = await post(
        apps[1]!,
        { amount: 101, currency: 'gbp', customerId },
        { 'idempotency-key': key },
      );
      expect(other.status).toBe(422);
      expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const missing = await post(apps[2]!, { amount: 100, currency: 'gbp', customerId });
      expect(missing.status).toBe(400);
      expect(missing.json.type).toBe('idempotency-key-missing');
      const long = await post(
        apps[0]!,
        { amount: 100, currency: 'gbp', customerId },
        { 'idempotency-key': 'k'.repeat(300) },
      );
      expect(long.status).toBe(400);
      expect(long.json.type).toBe('idempotency-key-invalid');
      expect(await rows(customerId)).toHaveLength(1);
    });

    it('publishes the retention policy in the OpenAPI document', async () => {
      const doc = (await (await fetch(`${apps[0]!.url}/docs-json`)).json()) as {
        paths: Record<
          string,
          Record<
            string,
            {
              parameters: { name: string; in: string; required: boolean; description: string }[];
              'x-idempotency': unknown;
            }
          >
        >;
      };
      const op = doc.paths['/payments']!.post!;
      const header = op.parameters.find((p) => p.name === 'Idempotency-Key' && p.in === 'header')!;
      expect(header.required).toBe(true);
      expect(header.description).toContain('for 24 hours after the request completes');
      expect(op['x-idempotency']).toMatchObject({
        retentionSeconds: 86_400,
        scope: 'principal',
        required: true,
      });
    });

    it('validates the body (400) and serves GET /payments/:id and GET /payments?customerId=', async () => {
      const customerId = `cus_${randomUUID()}`;
      for (const bad of [
        { amount: 0, currency: 'usd', customerId },
        { amount: 1_000_000_001, currency: 'usd', customerId },
        { amount: 1.5, currency: 'usd', customerId },
        { amount: 10, currency: 'jpy', customerId },
        { amount: 10, currency: 'usd', customerId: 'not/an-id' },
        { amount: 10, currency: 'usd', customerId, extra: true },
      ]) {
        const res = await post(apps[0]!, bad, { 'idempotency-key': randomUUID() });
        expect(res.status).toBe(400);
        expect(res.json.type).toBe('validation-error');
      }
      const made = [];
      for (const amount of [1, 2, 3]) {
        made.push(
          (
            await post(
              apps[amount % 3]!,
              { amount, currency: 'usd', customerId },
              { 'idempotency-key': randomUUID() },
            )
          ).json,
        );
      }
      const one = await fetch(`${apps[1]!.url}/payments/${String(made[0]!.id)}`, asPayer);
      expect(one.status).toBe(200);
      expect(await one.json()).toEqual(made[0]);
      expect((await fetch(`${apps[1]!.url}/payments/${randomUUID()}`, asPayer)).status).toBe(404);
      expect((await fetch(`${apps[1]!.url}/payments/not-a-uuid`, asPayer)).status).toBe(400);
      const page = await (
        await fetch(`${apps[2]!.url}/payments?customerId=${customerId}&limit=2`, asPayer)
      ).json();
      expect(page).toMatchObject({ page: 1, limit: 2, total: 3 });
      expect((page as { items: unknown[] }).items).toEqual([made[2], made[1]]);
    });

    // The crash tests are about leases and the database, which no HTTP adapter touches: Express only.
    const itExpress = adapter === 'express' ? it : it.skip;

    itExpress(
      'kill -9 in the middle of the handler: after the lease a retry gets 201 and there is one row',
      async () => {
        const victim = apps[2]!;
        const customerId = `cus_${randomUUID()}`;
        const body = { amount: 777, currency: 'usd', customerId };
        const key = randomUUID();
        const inflight = post(victim, body, { 'idempotency-key': key, 'x-test-hook': 'handler' }).catch(
          () => null,
        );
        await waitUntil(() => victim.output().includes('idempotency-test-hook:handler'), {
          message: 'timed out waiting for the request to be held in the handler',
          timeoutMs: 10_000,
        });
        // The claim outlives its own lease while the process is alive: the heartbeat renews it.
        const heldSince = Date.now();
        const statuses = new Set<number>();
        await waitUntil(
          async () => {
            statuses.add((await post(apps[0]!, body, { 'idempotency-key': key })).status);
            return Date.now() - heldSince > 2 * LEASE_MS;
          },
          {
            message: 'timed out waiting for two leases to pass while the claim is held',
            timeoutMs: 15_000,
            intervalMs: 200,
          },
        );
        expect([...statuses]).toEqual([409]);
        await victim.kill();
        const killedAt = Date.now();
        expect(await inflight).toBeNull();
        const retry = await waitUntil(
          async () => {
            const res = await post(apps[1]!, body, { 'idempotency-key': key });
            return res.status === 409 ? undefined : res;
          },
          {
            message: 'timed out waiting for the dead process lease to run out',
            timeoutMs: 15_000,
            intervalMs: 100,
          },
        );
        console.log(
          `[idempotency] key free ${Date.now() - killedAt} ms after kill -9 (lease ${LEASE_MS} ms)`,
        );
        expect(retry.status).toBe(201);
        expect(retry.headers.get('idempotent-replayed')).toBeNull();
        expect(await rows(customerId)).toHaveLength(1);
        const replay = await post(apps[0]!, body, { 'idempotency-key': key });
        expect(replay.body.equals(retry.body)).toBe(true);
      },
      45_000,
    );

    itExpress(
      'kill -9 after the row commit, before the response is stored: the retry returns that payment',
      async () => {
        const victim = apps[1]!;
        const customerId = `cus_${randomUUID()}`;
        const body = { amount: 888, currency: 'gbp', customerId };
        const key = randomUUID();
        const inflight = post(victim, body, { 'idempotency-key': key, 'x-test-hook': 'before-store' }).catch(
          () => null,
        );
        await waitUntil(() => victim.output().includes('idempotency-test-hook:before-store'), {
          message: 'timed out waiting for the request to be held before its response is stored',
          timeoutMs: 10_000,
        });
        const committed = await rows(customerId);
        expect(committed).toHaveLength(1);
        await victim.kill();
        expect(await inflight).toBeNull();
        // Once the dead process's lease has run out (its record is gone from Redis), a different request under
        // the key meets the row: 422, not stored, so the legitimate retry that follows still gets its payment.
        await waitUntil(async () => (await probe.exists(recordKey(key))) === 0, {
          message: 'timed out waiting for the dead process lease to run out',
          timeoutMs: 15_000,
        });
        const mismatch = await post(apps[0]!, { ...body, amount: 889 }, { 'idempotency-key': key });
        expect(mismatch.status).toBe(422);
        expect(mismatch.json.type).toBe('idempotency-key-reused');
        const retry = await post(apps[0]!, body, { 'idempotency-key': key });
        expect(retry.status).toBe(201);
        expect(retry.json.id).toBe(committed[0]!.id);
        expect(await rows(customerId)).toHaveLength(1);
        const replay = await post(apps[0]!, body, { 'idempotency-key': key });
        expect(replay.headers.get('idempotent-replayed')).toBe('true');
        expect(replay.body.equals(retry.body)).toBe(true);
      },
      45_000,
    );
  },
  ['standalone', 'cluster'],
);
