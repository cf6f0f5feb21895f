import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { authHeader } from '../support/auth.js';
import type { Cluster, Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import {
  fingerprintOf,
  IdempotencyStore,
  scopedKeyOf,
  type ClaimResult,
} from '../../src/platform/idempotency/index.js';
import { parseRecord } from '../../src/platform/idempotency/idempotency.record.js';
import { KeyBuilder } from '../../src/platform/redis/index.js';
import { startRedis, type RedisHandle } from '../support/redis-standalone.js';
import { describeEachTopologyAndAdapter } from '../support/adapters.js';
import { waitUntil } from '../support/wait.js';
import { calls, gates, redisOptions, startTestApp, type TestApp } from './test-app.js';

/** How an anonymous caller of the loopback test app is scoped (by client address). */
const ANONYMOUS_CALLER = 'ip:127.0.0.1';

const LEASE_MS = 600;
const json = { 'content-type': 'application/json' };

interface Raw {
  status: number;
  headers: Headers;
  body: Buffer;
  text: string;
}

async function send(
  url: string,
  init: { method?: string; key?: string; body?: unknown; token?: string } = {},
) {
  const headers: Record<string, string> = { ...json, connection: 'close' };
  if (init.key !== undefined) headers['idempotency-key'] = init.key;
  if (init.token) headers.authorization = authHeader(init.token);
  const res = await fetch(url, {
    method: init.method ?? 'POST',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body, text: body.toString('utf8') } satisfies Raw;
}

/** Counts what the app's Redis client sends (one command = one round trip: nothing here is pipelined). */
function countCommands(client: Redis | Cluster): { names: string[]; reset(): void } {
  const names: string[] = [];
  const original = client.sendCommand.bind(client) as (cmd: { name: string }) => unknown;
  (client as unknown as { sendCommand: (cmd: { name: string }) => unknown }).sendCommand = (cmd) => {
    names.push(cmd.name);
    return original(cmd);
  };
  return { names, reset: () => names.splice(0) };
}

describeEachTopologyAndAdapter(
  '@Idempotent',
  (redis, topology, adapter) => {
    let t: TestApp;
    let prefix: string;
    let sent: { names: string[]; reset(): void };
    let probe: Redis | Cluster;
    const claims = new EventEmitter();
    const newKey = () => `k-${randomUUID()}`;

    beforeAll(async () => {
      prefix = `t${randomBytes(4).toString('hex')}`;
      t = await startTestApp(redisOptions(redis().env, prefix), { leaseMs: LEASE_MS }, adapter);
      sent = countCommands(t.connection.client);
      probe = redis().client();
      // Lets a test await "the duplicate has seen the running claim" instead of sleeping.
      const store = t.app.get<IdempotencyStore>(IdempotencyStore);
      const claim = store.claim.bind(store);
      store.claim = async (...args) => {
        const result: ClaimResult = await claim(...args);
        claims.emit(result.kind);
        return result;
      };
      // Load the scripts (the first EVALSHA of a script may be answered NOSCRIPT, then EVAL).
      const warm = newKey();
      await send(`${t.url}/t/orders`, { key: warm, body: { n: 1, note: warm } });
      await send(`${t.url}/t/orders`, { key: warm, body: { n: 1, note: warm } });
      await send(`${t.url}/t/flaky`, { key: warm, body: { n: 1, note: warm } });
    }, 30_000);

    afterAll(async () => {
      await t?.close();
    });

    it('replays the first response byte for byte with Idempotent-Replayed: true, running the handler once', async () => {
      const key = newKey();
      const first = await send(`${t.url}/t/orders`, { key, body: { n: 7, note: key } });
      const again = await send(`${t.url}/t/orders`, { key, body: { note: key, n: 7 } });
      expect(first.status).toBe(201);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body.equals(first.body)).toBe(true);
      expect(again.headers.get('content-type')).toBe(first.headers.get('content-type'));
      expect(again.headers.get('location')).toBe(first.headers.get('location'));
      expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
      // Only allowlisted headers are stored.
      expect(first.headers.get('x-not-replayed')).toBe('per-request');
      expect(again.headers.get('x-not-replayed')).toBeNull();
      expect(calls.get(`orders:${key}`)).toBe(1);
    });

    it('costs 2 Redis round trips for a first request and 1 for a replay', async () => {
      const key = newKey();
      sent.reset();
      expect((await send(`${t.url}/t/orders`, { key, body: { n: 1, note: key } })).status).toBe(201);
      expect(sent.names).toEqual(['set', 'evalsha']);
      sent.reset();
      expect((await send(`${t.url}/t/orders`, { key, body: { n: 1, note: key } })).status).toBe(201);
      expect(sent.names).toEqual(['set']);
      sent.reset();
      expect((await send(`${t.url}/t/orders`, { key, body: { n: 2, note: key } })).status).toBe(422);
      expect(sent.names).toEqual(['set']);
      sent.reset();
      expect((await send(`${t.url}/t/orders`, { body: { n: 1 } })).status).toBe(400);
      expect(sent.names).toEqual([]);
    });

    it('keeps no user string in Redis: one hashed record under {prefix}:idem, kept for the ttl once done', async () => {
      const key = `user:{key}*${randomUUID()}`;
      expect((await send(`${t.url}/t/orders`, { key, body: { n: 1, note: 'raw' } })).status).toBe(201);
      const record = new KeyBuilder(prefix).key('idem', scopedKeyOf('principal', ANONYMOUS_CALLER, key));
      expect(record).toMatch(new RegExp(`^${prefix}:idem:[A-Za-z0-9_-]{43}$`));
      const stored = parseRecord((await probe.get(record))!);
      expect(stored?.state).toBe('done');
      const pttl = await probe.pttl(record);
      expect(pttl).toBeGreaterThan(23 * 3_600_000);
      expect(pttl).toBeLessThanOrEqual(24 * 3_600_000);
      // Only the fingerprint (a hash), the status, allowlisted headers and the body: no key, no raw user string.
      expect((await probe.get(record))!.includes(key)).toBe(false);
    });

    it('answers 422 for the same key with another body, path or method, and replays a reordered body', async () => {
      const key = newKey();
      expect((await send(`${t.url}/t/orders`, { key, body: { n: 1, note: key } })).status).toBe(201);
      const other = await send(`${t.url}/t/orders`, { key, body: { n: 2, note: key } });
      expect(other.status).toBe(422);
      expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(other.text)).toMatchObject({ type: 'idempotency-key-reused', status: 422 });
      expect((await send(`${t.url}/t/wait`, { key, body: { n: 1, note: key } })).status).toBe(422);
      const a = await send(`${t.url}/t/items/1`, { method: 'PATCH', key: `${key}-p`, body: { n: 1 } });
      const b = await send(`${t.url}/t/items/2`, { method: 'PATCH', key: `${key}-p`, body: { n: 1 } });
      expect([a.status, b.status]).toEqual([200, 422]);
    });

    it('answers 400 problem+json for a missing, too long or non-ASCII key', async () => {
      for (const key of [undefined, 'x'.repeat(300), 'clé', '']) {
        const res = await send(`${t.url}/t/orders`, { key, body: { n: 1 } });
        expect(res.status).toBe(400);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(JSON.parse(res.text).type).toMatch(/^idempotency-key-(missing|invalid)$/);
      }
      expect((await send(`${t.url}/t/orders`, { key: 'x'.repeat(255), body: { n: 1 } })).status).toBe(201);
    });

    it('answers 409 with Retry-After while the first request runs, then replays it', async () => {
      const key = newKey();
      gates.hold(key);
      const reached = gates.reached(key);
      const first = send(`${t.url}/t/orders`, { key, body: { n: 1, note: key } });
      await reached;
      const dup = await send(`${t.url}/t/orders`, { key, body: { n: 1, note: key } });
      expect(dup.status).toBe(409);
      expect(dup.headers.get('retry-after')).toBe('1');
      expect(JSON.parse(dup.text)).toMatchObject({ type: 'idempotency-request-in-progress', status: 409 });
      gates.release(key);
      const done = await first;
      expect(done.status).toBe(201);
      const later = await send(`${t.url}/t/orders`, { key, body: { n: 1, note: key } });
      expect(later.body.equals(done.body)).toBe(true);
      expect(calls.get(`orders:${key}`)).toBe(1);
    });

    it('with onConflict: wait, a duplicate waits for the first and replays it', async () => {
      const key = newKey();
      gates.hold(key);
      const reached = gates.reached(key);
      const first = send(`${t.url}/t/wait`, { key, body: { n: 1, note: key } });
      await reached;
      const sawRunning = once(claims, 'running');
      const dup = send(`${t.url}/t/wait`, { key, body: { n: 1, note: key } });
      await sawRunning;
      gates.release(key);
      const [a, b] = await Promise.all([first, dup]);
      expect([a.status, b.status]).toEqual([201, 201]);
      expect(b.headers.get('idempotent-replayed')).toBe('true');
      expect(b.body.equals(a.body)).toBe(true);
      expect(calls.get(`wait:${key}`)).toBe(1);
    });

    it('with onConflict: wait, gives up with 409 after waitTimeout', async () => {
      const key = newKey();
      gates.hold(key);
      const reached = gates.reached(key);
      const first = send(`${t.url}/t/wait-short`, { key, body: { n: 1, note: key } });
      await reached;
      const started = Date.now();
      const dup = await send(`${t.url}/t/wait-short`, { key, body: { n: 1, note: key } });
      expect(dup.status).toBe(409);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      gates.release(key);
      expect((await first).status).toBe(201);
    });

    it('releases the key after a 5xx: the retry executes again, then replays', async () => {
      const key = newKey();
      const failed = await send(`${t.url}/t/flaky`, { key, body: { n: 1, note: key } });
      expect(failed.status).toBe(500);
      const retried = await send(`${t.url}/t/flaky`, { key, body: { n: 1, note: key } });
      expect(retried.status).toBe(201);
      expect(JSON.parse(retried.text).run).toBe(2);
      const replayed = await send(`${t.url}/t/flaky`, { key, body: { n: 1, note: key } });
      expect(replayed.body.equals(retried.body)).toBe(true);
      expect(calls.get(`flaky:${key}`)).toBe(2);
    });

    it('stores and replays a 4xx answer (Stripe), unless storeClientErrors is off', async () => {
      const key = newKey();
      const first = await send(`${t.url}/t/missing`, { key, body: { n: 1, note: key } });
      const again = await send(`${t.url}/t/missing`, { key, body: { n: 1, note: key } });
      expect([first.status, again.status]).toEqual([404, 404]);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body.equals(first.body)).toBe(true);
      expect(calls.get(`missing:${key}`)).toBe(1);

      const other = newKey();
      await send(`${t.url}/t/missing-nostore`, { key: other, body: { n: 1, note: key } });
      const rerun = await send(`${t.url}/t/missing-nostore`, { key: other, body: { n: 1, note: key } });
      expect(rerun.status).toBe(404);
      expect(rerun.headers.get('idempotent-replayed')).toBeNull();
      expect(calls.get(`missing-nostore:${key}`)).toBe(2);
    });

    it('stores nothing for a request that failed validation: the corrected request runs', async () => {
      const key = newKey();
      const invalid = await send(`${t.url}/t/orders`, { key, body: { n: 0, note: key } });
      expect(invalid.status).toBe(400);
      expect(JSON.parse(invalid.text).type).toBe('validation-error');
      const fixed = await send(`${t.url}/t/orders`, { key, body: { n: 1, note: key } });
      expect(fixed.status).toBe(201);
      expect(fixed.headers.get('idempotent-replayed')).toBeNull();
    });

    it("scopes keys per principal: two callers neither collide nor read each other's replay", async () => {
      const key = newKey();
      const alice = await send(`${t.url}/t/orders`, { key, token: 'alice', body: { n: 1, note: key } });
      const bob = await send(`${t.url}/t/orders`, { key, token: 'bob', body: { n: 1, note: key } });
      const anon = await send(`${t.url}/t/orders`, { key, body: { n: 1, note: key } });
      expect([alice.status, bob.status, anon.status]).toEqual([201, 201, 201]);
      expect(new Set([alice.text, bob.text, anon.text]).size).toBe(3);
      expect(bob.headers.get('idempotent-replayed')).toBeNull();
      const aliceAgain = await send(`${t.url}/t/orders`, {
        key,
        token: 'alice',
        body: { n: 1, note: key },
      });
      expect(aliceAgain.body.equals(alice.body)).toBe(true);
    });

    it('with scope: global, another principal cannot read the replay (422)', async () => {
      const key = newKey();
      const alice = await send(`${t.url}/t/global`, { key, token: 'alice', body: { n: 1, note: key } });
      const bob = await send(`${t.url}/t/global`, { key, token: 'bob', body: { n: 1, note: key } });
      expect([alice.status, bob.status]).toEqual([201, 422]);
    });

    it('with required: false, a request without a key simply runs', async () => {
      const note = newKey();
      await send(`${t.url}/t/optional`, { body: { n: 1, note } });
      await send(`${t.url}/t/optional`, { body: { n: 1, note } });
      expect(calls.get(`optional:${note}`)).toBe(2);
    });

    it('lets method options override class options, and runs once when both apply', async () => {
      const note = newKey();
      expect((await send(`${t.url}/c/inherits`, { body: { n: 1, note } })).status).toBe(201);
      expect((await send(`${t.url}/c/overrides`, { body: { n: 1, note } })).status).toBe(400);
      const a = await send(`${t.url}/c/overrides`, { key: note, body: { n: 1, note } });
      const b = await send(`${t.url}/c/overrides`, { key: note, body: { n: 1, note } });
      expect([a.status, b.status]).toEqual([201, 201]);
      expect(b.headers.get('idempotent-replayed')).toBe('true');
      expect(calls.get(`overrides:${note}`)).toBe(1);
    });

    it('replays a binary body exactly', async () => {
      const key = newKey();
      const first = await send(`${t.url}/t/binary`, { key, body: { n: 1, note: key } });
      const again = await send(`${t.url}/t/binary`, { key, body: { n: 1, note: key } });
      expect(first.status).toBe(200);
      expect(first.body.subarray(0, 4)).toEqual(Buffer.from([0xff, 0xfe, 0x00, 0x80]));
      expect(again.body.equals(first.body)).toBe(true);
      expect(again.headers.get('content-type')).toBe('application/octet-stream');
    });

    it('renews the lease while the handler runs, well past the lease length', async () => {
      const key = newKey();
      gates.hold(key);
      const reached = gates.reached(key);
      const first = send(`${t.url}/t/orders`, { key, body: { n: 1, note: key } });
      await reached;
      const since = Date.now();
      // Still claimed after 3 leases: only the heartbeat can have kept it.
      const statuses = new Set<number>();
      await waitUntil(
        async () => {
          statuses.add((await send(`${t.url}/t/orders`, { key, body: { n: 1, note: key } })).status);
          return Date.now() - since > 3 * LEASE_MS;
        },
        {
          message: 'timed out waiting for three leases to pass with the claim held',
          timeoutMs: 10_000,
          intervalMs: 100,
        },
      );
      expect([...statuses]).toEqual([409]);
      gates.release(key);
      expect((await first).status).toBe(201);
      expect(calls.get(`orders:${key}`)).toBe(1);
    });

    it('frees a claim whose owner died (no heartbeat): a retry runs once the lease has run out', async () => {
      const key = newKey();
      const body = { n: 1, note: key };
      const store = t.app.get<IdempotencyStore>(IdempotencyStore);
      const orphan = await store.claim(
        {
          recordKey: new KeyBuilder(prefix).key('idem', scopedKeyOf('principal', ANONYMOUS_CALLER, key)),
          owner: 'a-process-that-died',
          fingerprint: fingerprintOf({
            method: 'POST',
            target: '/t/orders',
            principal: ANONYMOUS_CALLER,
            body,
          }),
        },
        LEASE_MS,
      );
      expect(orphan.kind).toBe('claimed');
      expect((await send(`${t.url}/t/orders`, { key, body })).status).toBe(409);
      const retried = await waitUntil(
        async () => {
          const res = await send(`${t.url}/t/orders`, { key, body });
          return res.status === 409 ? undefined : res;
        },
        { message: 'timed out waiting for the orphaned lease to run out', timeoutMs: 5_000, intervalMs: 100 },
      );
      expect(retried.status).toBe(201);
      expect(calls.get(`orders:${key}`)).toBe(1);
    });

    if (topology === 'standalone') {
      it('agrees with the server: INFO commandstats counts a SET and an EVALSHA for a first call, a SET for a replay', async () => {
        // The complete script's own SET is counted too: a first call shows 2 SETs for 1 SET sent.
        const stats = async () => {
          const text = await probe.info('commandstats');
          const calls = (name: string) =>
            Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(text)?.[1] ?? 0);
          return [calls('set'), calls('evalsha')];
        };
        const key = newKey();
        const before = await stats();
        await send(`${t.url}/t/orders`, { key, body: { n: 1, note: key } });
        const afterFirst = await stats();
        await send(`${t.url}/t/orders`, { key, body: { n: 1, note: key } });
        const afterReplay = await stats();
        const delta = (a: number[], b: number[]) => a.map((v, i) => v - b[i]!);
        expect([delta(afterFirst, before), delta(afterReplay, afterFirst)]).toEqual([
          [2, 1],
          [1, 0],
        ]);
      });
    }
  },
  ['standalone', 'cluster'],
);

describe('@Idempotent when Redis is down', () => {
  let server: RedisHandle;
  let t: TestApp;

  beforeAll(async () => {
    server = await startRedis({ aof: false });
    t = await startTestApp(redisOptions(server.env, `t${randomBytes(4).toString('hex')}`), {
      retryAfterSeconds: 2,
    });
  });

  afterAll(async () => {
    await t?.close();
    await server?.stop();
  });

  it('fails closed with 503 problem+json and Retry-After, and recovers with Redis', async () => {
    const key = `k-${randomUUID()}`;
    await server.kill();
    const down = await send(`${t.url}/t/orders`, { key, body: { n: 1, note: key } });
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('2');
    expect(down.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(calls.get(`orders:${key}`)).toBeUndefined();
    await server.start();
    const up = await waitUntil(
      async () => {
        const res = await send(`${t.url}/t/orders`, { key, body: { n: 1, note: key } });
        return res.status === 503 ? undefined : res;
      },
      { message: 'timed out waiting for the app to reach Redis again', timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(up.status).toBe(201);
    expect(calls.get(`orders:${key}`)).toBe(1);
  });
  it('still delivers the response when Redis dies while the handler runs (nothing stored: Redis lost it)', async () => {
    const key = `k-${randomUUID()}`;
    gates.hold(key);
    const reached = gates.reached(key);
    const first = send(`${t.url}/t/orders`, { key, body: { n: 1, note: key } });
    await reached;
    await server.kill();
    gates.release(key);
    const res = await first;
    expect(res.status).toBe(201);
    expect(JSON.parse(res.text).run).toBe(1);
    await server.start();
  });
});
