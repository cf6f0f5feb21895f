// Real-time acceptance, cross-instance half: feature flags in L1 kept in step over pub/sub (and repaired
// after a missed message), Server-Sent Events across instances, upload sessions with a short TTL, and
// 400 problem+json on every route. Two app processes over real Redis (standalone and Cluster).
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { rolloutBucket } from '../../src/platform/flags/flags.evaluate.js';
import { KeyBuilder } from '../../src/platform/redis/index.js';
import type { AppHandle } from '../support/app-process.js';
import { describeEachTopology } from '../support/topologies.js';
import { waitUntil } from '../support/wait.js';
import {
  admin,
  call,
  commandCalls,
  delta,
  everyNode,
  expectBadRequest,
  gauge,
  masters,
  pipelineScriptsPerRequest,
  quitAll,
  SPEC_CALLER,
  startGroup,
  type AppGroup,
} from './helpers.js';
import { startPublisher, type Publisher } from './publisher.js';
import { SseClient } from './sse-client.js';

const TTL_S = 2;

describeEachTopology(
  'Flags, events and upload sessions over 2 processes',
  (redis, topology) => {
    let group: AppGroup;
    let a: AppHandle; // flags resync only on (re)subscription: what it learns, it learns from pub/sub
    let b: AppHandle; // also checks the flags' version every 500 ms
    let probe: Redis | Cluster;
    let nodes: Redis[];
    let publisher: Publisher;
    let keys: KeyBuilder;
    const sse: SseClient[] = [];
    const open = async (app: AppHandle, query = '') => {
      const client = await SseClient.open(`${app.url}/events${query}`, { authorization: SPEC_CALLER });
      sse.push(client);
      return client;
    };
    const flagOn = async (app: AppHandle, name: string) => (await call(app, 'GET', `/flags/${name}`)).body;

    beforeAll(async () => {
      group = await startGroup(
        redis(),
        2,
        // Uploads: 40 per minute, shared by both processes (this spec creates about 30 before its limit test).
        {
          UPLOAD_SESSION_TTL_SECONDS: String(TTL_S),
          EVENTS_HEARTBEAT_MS: '300',
          RATE_LIMIT_UPLOAD: '40/60s',
        },
        [{ FLAGS_RESYNC_INTERVAL_MS: '3600000' }, { FLAGS_RESYNC_INTERVAL_MS: '500' }],
      );
      [a, b] = group.apps as [AppHandle, AppHandle];
      probe = redis().client();
      nodes = await masters(redis());
      keys = new KeyBuilder(group.prefix);
      publisher = await startPublisher(redis().env, group.prefix);
      expect(await publisher.pubsub.ready(5_000)).toBe(true);
    }, 90_000);

    afterAll(async () => {
      for (const c of sse) c.close();
      await quitAll(nodes ?? []);
      await publisher?.close();
      await group?.stop();
    }, 30_000);

    it('a flag written on one instance is served by the other at once (pub/sub); reads never touch Redis', async () => {
      const name = `checkout-${randomBytes(3).toString('hex')}`;
      const put = await call(b, 'PUT', `/flags/${name}`, { enabled: true, rolloutPercent: 30 }, admin);
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ name, enabled: true, rolloutPercent: 30 });
      const started = performance.now();
      // A reloads only on (re)subscription: seeing the write, it saw the message.
      await waitUntil(async () => (await flagOn(a, name)).version === put.body.version, {
        timeoutMs: 1_000,
        intervalMs: 5,
        message: `instance A did not serve ${name} within 1 s`,
      });
      const ms = performance.now() - started;
      expect(await flagOn(a, name)).toEqual(put.body);
      expect((await call(a, 'GET', '/flags')).body.items).toContainEqual(put.body);
      const limiter = await pipelineScriptsPerRequest([b], nodes);
      const beforeWrite = await commandCalls(nodes);
      const second = await call(b, 'PUT', `/flags/${name}`, { enabled: true, rolloutPercent: 50 }, admin);
      expect(second.status).toBe(200);
      // A write: one EVALSHA (flags-put; plus the limiter's), one PUBLISH to the flags topic, one for the
      // flag.changed event (sent without waiting: awaited here).
      const wrote = await waitUntil(async () => {
        const d = delta(beforeWrite, await commandCalls(nodes));
        return (d.publish ?? 0) >= 2 && d;
      });
      expect(wrote).toMatchObject({ evalsha: 1 + limiter, publish: 2 });
      await waitUntil(async () => (await flagOn(a, name)).rolloutPercent === 50, {
        timeoutMs: 1_000,
        intervalMs: 5,
      });

      // Deterministic per subject, the same on both instances, from memory.
      const before = await commandCalls(nodes);
      const subjects = Array.from({ length: 150 }, (_, i) => `user-${i}`);
      const results = await Promise.all(
        subjects.flatMap((s) =>
          [a, b].map(async (app) => (await call(app, 'GET', `/flags/${name}/evaluate?subject=${s}`)).body),
        ),
      );
      const moved = delta(before, await commandCalls(nodes));
      for (const [i, s] of subjects.entries()) {
        const bucket = rolloutBucket(name, s);
        expect(results[2 * i]).toEqual({ flag: name, subject: s, enabled: bucket < 5_000, bucket });
        expect(results[2 * i + 1]).toEqual(results[2 * i]);
      }
      const on = results.filter((r) => r.enabled).length / 2;
      expect(on).toBeGreaterThan(45);
      expect(on).toBeLessThan(105);
      // 300 evaluations, read from memory: no HGETALL (a reload), no flags script. The other Redis calls
      // are the rate limiter's (at most one script per request) and B's version check (an HMGET every 500 ms).
      expect(moved.hgetall ?? 0).toBe(0);
      expect(moved.evalsha ?? 0).toBeLessThanOrEqual(300 * limiter + 5);
      console.log(
        `[flags ${topology}] write on B served by A after ${ms.toFixed(0)} ms; 300 evaluations from memory (no HGETALL, no flags script)`,
      );
    });

    it('a missed message is repaired: by the periodic version check, and when the subscription comes back', async () => {
      const name = `missed-${randomBytes(3).toString('hex')}`;
      const first = await call(a, 'PUT', `/flags/${name}`, { enabled: false, rolloutPercent: 0 }, admin);
      await waitUntil(async () => (await flagOn(b, name)).version === first.body.version, {
        timeoutMs: 2_000,
      });

      // A write that no instance hears about (stored as flags-put stores it, never published).
      const hash = keys.key('flag', 'all');
      const version = await probe.hincrby(hash, '__version', 1);
      const doc = { name, enabled: true, rolloutPercent: 100, updatedAt: Date.now(), version };
      await probe.hset(hash, name, JSON.stringify(doc));
      await waitUntil(async () => (await flagOn(b, name)).version === version, {
        timeoutMs: 3_000,
        message: 'B did not pick the unpublished write up through its version check',
      });
      expect(await flagOn(a, name)).toMatchObject({ enabled: false, version: first.body.version });

      // Drop every pub/sub connection: on resubscribing, A reloads and catches up.
      const all = everyNode(redis());
      let killed = 0;
      for (const node of all) killed += Number(await node.call('CLIENT', 'KILL', 'TYPE', 'pubsub'));
      await quitAll(all);
      // A's and B's at least (other modules may hold pub/sub connections; the publisher subscribes to nothing).
      expect(killed).toBeGreaterThanOrEqual(2);
      await waitUntil(async () => (await flagOn(a, name)).version === version, {
        timeoutMs: 5_000,
        message: 'A did not reload after its subscription came back',
      });
      await waitUntil(
        async () =>
          (await gauge(a, 'pubsub_subscribed')) === 1 && (await gauge(b, 'pubsub_subscribed')) === 1,
      );
      expect(await publisher.pubsub.ready(5_000)).toBe(true);

      // The hash is lost (FLUSHALL, a restart without persistence): the next write starts a new epoch
      // at version 1, and both instances drop what they held and take it.
      await probe.del(hash);
      const fresh = `fresh-${randomBytes(3).toString('hex')}`;
      const rebuilt = await call(b, 'PUT', `/flags/${fresh}`, { enabled: true, rolloutPercent: 100 }, admin);
      expect(rebuilt.body.version).toBe(1);
      expect(await flagOn(b, fresh)).toEqual(rebuilt.body);
      for (const app of [a, b]) {
        await waitUntil(async () => (await call(app, 'GET', '/flags')).body.items?.length === 1, {
          timeoutMs: 3_000,
          message: 'an instance kept flags of the lost hash',
        });
        expect((await call(app, 'GET', '/flags')).body.items).toEqual([rebuilt.body]);
      }
    });

    it('an SSE client on B receives what happens on A within 1 s, one Redis subscription per instance', async () => {
      for (const app of [a, b]) await waitUntil(async () => (await gauge(app, 'pubsub_subscribed')) === 1);
      const onB = await open(b);
      const onA = await open(a);
      const filtered = await open(b, '?types=booking.created');
      const name = `sse-${randomBytes(3).toString('hex')}`;
      const latencies: number[] = [];
      for (let i = 1; i <= 5; i++) {
        const started = performance.now();
        const put = await call(a, 'PUT', `/flags/${name}`, { enabled: true, rolloutPercent: i * 10 }, admin);
        const event = await onB.next('flag.changed', (d) => d.version === put.body.version, 1_000);
        latencies.push(event.at - started);
        expect(JSON.parse(event.data!)).toEqual(put.body);
        expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
      }
      expect(Math.max(...latencies)).toBeLessThan(1_000);

      // Bookings and payments publish through EventsPublisher, here from a third process.
      const booking = {
        id: randomUUID(),
        carId: 42,
        from: '2026-12-01',
        to: '2026-12-03',
        status: 'confirmed',
      };
      const payment = { id: randomUUID(), amount: 4999, currency: 'usd', status: 'requires_payment' };
      const sent = performance.now();
      await publisher.events.publish('booking.created', booking);
      await publisher.events.publish('payment.created', payment);
      for (const client of [onA, onB]) {
        const got = await client.next('payment.created', (d) => d.id === payment.id, 1_000);
        expect(JSON.parse(got.data!)).toEqual(payment);
        const bk = await client.next('booking.created', (d) => d.id === booking.id, 1_000);
        expect(JSON.parse(bk.data!)).toEqual(booking);
        latencies.push(got.at - sent);
      }
      // The filtered stream got the booking and none of the flag changes published before it.
      await filtered.next('booking.created', (d) => d.id === booking.id, 1_000);
      expect(filtered.events.map((e) => e.event)).toEqual(['booking.created']);
      // Heartbeat comments (EVENTS_HEARTBEAT_MS=300 here; 15 s by default).
      await onB.until(() => onB.comments.includes('heartbeat'), 1_000, 'no heartbeat');

      // Three SSE clients on B, one on A: still one subscriber per process (A, B; the publisher only publishes).
      const channel = `${group.prefix}:pubsub:events`;
      const all = everyNode(redis());
      const extra = await open(b);
      let subscribers = 0;
      for (const node of all) {
        subscribers += Number(((await node.call('PUBSUB', 'NUMSUB', channel)) as [string, number])[1]);
      }
      await quitAll(all);
      expect(subscribers).toBe(2);
      expect(await gauge(b, 'events_sse_clients')).toBe(3);

      // Released when the client goes.
      for (const c of [onB, filtered, extra]) c.close();
      await waitUntil(async () => (await gauge(b, 'events_sse_clients')) === 0, {
        timeoutMs: 3_000,
        message: 'B still counts SSE clients after they disconnected',
      });
      onA.close();
      await waitUntil(async () => (await gauge(a, 'events_sse_clients')) === 0, { timeoutMs: 3_000 });
      console.log(
        `[events ${topology}] cross-instance latency: max ${Math.max(...latencies).toFixed(1)} ms over ${latencies.length} events`,
      );
    });

    it('a booking and a payment created through the API on A reach an SSE client on B', async () => {
      const onB = await open(b, '?types=booking.created,payment.created');
      const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
      const booking = await call(a, 'POST', '/bookings', {
        carId: `sse-${randomBytes(3).toString('hex')}`,
        customerId: 'c1',
        startDate: day(2),
        endDate: day(4),
      });
      expect(booking.status).toBe(201);
      const gotBooking = await onB.next('booking.created', (d) => d.id === booking.body.id, 1_000);
      expect(JSON.parse(gotBooking.data!)).toEqual(booking.body);
      const payment = await call(
        a,
        'POST',
        '/payments',
        { amount: 1234, currency: 'eur', customerId: 'c1' },
        { 'idempotency-key': randomUUID() },
      );
      expect(payment.status).toBe(201);
      const gotPayment = await onB.next('payment.created', (d) => d.id === payment.body.id, 1_000);
      expect(JSON.parse(gotPayment.data!)).toEqual(payment.body);
      onB.close();
    });

    it('upload sessions: 201 with a 128-bit id, visible on the other instance, 404 after the TTL, 204 on delete', async () => {
      const body = { fileName: 'portfolio final.pdf', size: 5 * 1024 ** 3, contentType: 'application/pdf' };
      const created = await call(a, 'POST', '/uploads/sessions', body);
      const createdAt = performance.now();
      expect(created.status).toBe(201);
      const id = created.body.sessionId as string;
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      expect(created.headers.get('location')).toBe(`/uploads/sessions/${id}`);
      const expiresIn = Date.parse(created.body.expiresAt as string) - Date.now();
      expect(expiresIn).toBeGreaterThan(TTL_S * 1000 - 1_000);
      expect(expiresIn).toBeLessThanOrEqual(TTL_S * 1000 + 100);
      const read = await call(b, 'GET', `/uploads/sessions/${id}`);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ sessionId: id, ...body, expiresAt: created.body.expiresAt });
      expect(await probe.ttl(keys.key('session', 'upload', id))).toBeLessThanOrEqual(TTL_S);

      // Expired by Redis: 404 from both instances once the TTL has run out, not before.
      await waitUntil(async () => (await call(b, 'GET', `/uploads/sessions/${id}`)).status === 404, {
        timeoutMs: TTL_S * 1000 + 3_000,
        intervalMs: 50,
      });
      const goneAfter = performance.now() - createdAt;
      expect(goneAfter).toBeGreaterThan(TTL_S * 1000 - 300);
      const gone = await call(a, 'GET', `/uploads/sessions/${id}`);
      expect(gone.status).toBe(404);
      expect(gone.type).toMatch(/^application\/problem\+json/);

      // One command each: SET EX NX, GET, DEL.
      const rt0 = await commandCalls(nodes);
      const made = await call(a, 'POST', '/uploads/sessions', body);
      const rt1 = await commandCalls(nodes);
      await call(a, 'GET', `/uploads/sessions/${made.body.sessionId as string}`);
      const rt2 = await commandCalls(nodes);
      await call(a, 'DELETE', `/uploads/sessions/${made.body.sessionId as string}`);
      const rt3 = await commandCalls(nodes);
      expect([delta(rt0, rt1).set, delta(rt1, rt2).get, delta(rt2, rt3).del]).toEqual([1, 1, 1]);

      const ids = new Set<string>();
      for (let i = 0; i < 20; i++)
        ids.add((await call(b, 'POST', '/uploads/sessions', body)).body.sessionId as string);
      expect(ids.size).toBe(20);
      const [first] = [...ids];
      const del = await call(b, 'DELETE', `/uploads/sessions/${first}`);
      expect(del.status).toBe(204);
      expect(del.text).toBe('');
      expect((await call(a, 'GET', `/uploads/sessions/${first}`)).status).toBe(404);
      expect((await call(a, 'DELETE', `/uploads/sessions/${first}`)).status).toBe(404);
      console.log(
        `[uploads ${topology}] a ${TTL_S} s session answered 404 after ${(goneAfter / 1000).toFixed(2)} s`,
      );
    });

    it('every route answers bad input with 400 problem+json', async () => {
      const long = (n: number) => 'x'.repeat(n);
      const bad: [string, string, unknown?, Record<string, string>?][] = [
        ['POST', '/analytics/events', {}],
        ['POST', '/analytics/events', { path: '/x' }],
        ['POST', '/analytics/events', { path: 'no-slash', visitorId: 'v' }],
        ['POST', '/analytics/events', { path: 42, visitorId: 'v' }],
        ['POST', '/analytics/events', { path: '/x', visitorId: '' }],
        ['POST', '/analytics/events', { path: '/x', visitorId: long(129) }],
        ['POST', '/analytics/events', { path: `/${long(2048)}`, visitorId: 'v' }],
        ['POST', '/analytics/events', { path: '/x', visitorId: 'v', extra: 1 }],
        ['POST', '/analytics/events', '{"path":'],
        ['GET', '/analytics/pages'],
        ['GET', '/analytics/pages?path=/x&from=2026-02-30'],
        ['GET', '/analytics/pages?path=/x&to=yesterday'],
        ['GET', '/analytics/pages?path=/x&from=2026-11-22&to=2026-11-01'],
        ['GET', '/analytics/pages?path=/x&from=2020-01-01&to=2026-01-01'],
        ['GET', '/analytics/pages?path=/x&from=2999-01-01'],
        ['GET', '/analytics/pages?path=/x&x=1'],
        ['PUT', '/leaderboards/weekly/members/alice', { score: 1, increment: 2 }],
        ['PUT', '/leaderboards/weekly/members/alice', {}],
        ['PUT', '/leaderboards/weekly/members/alice', { score: 1.5 }],
        ['PUT', '/leaderboards/weekly/members/alice', { score: '10' }],
        ['PUT', '/leaderboards/weekly/members/alice', { score: 2 ** 53 }],
        ['PUT', '/leaderboards/weekly/members/alice', { increment: -(2 ** 60) }],
        ['PUT', '/leaderboards/bad%20board/members/alice', { score: 1 }],
        ['PUT', `/leaderboards/weekly/members/${long(129)}`, { score: 1 }],
        ['PUT', '/leaderboards/weekly/members/a%01b', { score: 1 }],
        ['GET', '/leaderboards/weekly?limit=0'],
        ['GET', '/leaderboards/weekly?limit=101'],
        ['GET', '/leaderboards/weekly?offset=-1'],
        ['GET', '/leaderboards/weekly?limit=ten'],
        ['GET', `/leaderboards/${long(65)}`],
        ['GET', '/leaderboards/we%7Bek%7D/members/alice'],
        ['GET', '/leaderboards/weekly/members/a%00b'],
        ['GET', '/leaderboards/weekly/members/%E0%A4%A'],
        ['PUT', '/leaderboards/weekly/members/alice', { score: null }],
        [
          'POST',
          '/uploads/sessions',
          { fileName: 'a.pdf', size: 5 * 1024 ** 3 + 1, contentType: 'application/pdf' },
        ],
        ['POST', '/uploads/sessions', { fileName: 'a.pdf', size: 0, contentType: 'application/pdf' }],
        ['POST', '/uploads/sessions', { fileName: 'a.pdf', size: 1.5, contentType: 'application/pdf' }],
        ['POST', '/uploads/sessions', { fileName: '../etc/passwd', size: 1, contentType: 'text/plain' }],
        ['POST', '/uploads/sessions', { fileName: '', size: 1, contentType: 'text/plain' }],
        ['POST', '/uploads/sessions', { fileName: 'a.txt', size: 1, contentType: 'text' }],
        ['POST', '/uploads/sessions', { fileName: 'a.txt', size: 1 }],
        ['POST', '/uploads/sessions', { fileName: 'a.txt', size: 1, contentType: 'text/plain', owner: 'x' }],
        ['GET', '/uploads/sessions/xyz'],
        ['GET', `/uploads/sessions/${'A'.repeat(32)}`],
        ['GET', `/uploads/sessions/${'a'.repeat(31)}`],
        ['DELETE', '/uploads/sessions/xyz'],
        ['GET', '/flags/-bad'],
        ['GET', '/flags/bad%20name'],
        ['GET', '/flags/%ZZ'],
        ['PUT', '/flags/f1', { enabled: 'yes', rolloutPercent: 10 }, admin],
        ['PUT', '/flags/f1', { enabled: true, rolloutPercent: 101 }, admin],
        ['PUT', '/flags/f1', { enabled: true, rolloutPercent: -1 }, admin],
        ['PUT', '/flags/f1', { enabled: true, rolloutPercent: 50.5 }, admin],
        ['PUT', '/flags/f1', { rolloutPercent: 50 }, admin],
        ['PUT', '/flags/f1', { enabled: true, rolloutPercent: 5, owner: 'me' }, admin],
        ['PUT', `/flags/${long(65)}`, { enabled: true, rolloutPercent: 5 }, admin],
        ['GET', '/flags/f1/evaluate'],
        ['GET', `/flags/f1/evaluate?subject=${long(257)}`],
        ['GET', '/flags/-bad/evaluate?subject=u'],
        ['GET', '/events?types=booking.deleted'],
        ['GET', '/events?types='],
        ['GET', '/events?x=1'],
      ];
      for (const [i, [method, path, body, headers]] of bad.entries()) {
        expectBadRequest(await call(group.apps[i % 2]!, method, path, body, headers), `${method} ${path}`);
      }
      // Nothing was written by the refused requests.
      expect((await call(a, 'GET', '/leaderboards/weekly')).body.total).toBe(0);
      expect((await call(a, 'GET', '/flags/f1')).status).toBe(404);
      console.log(`[bad input ${topology}] ${bad.length} bad requests over 11 routes: all 400 problem+json`);
    });

    it('POST /uploads/sessions is held to the upload rate-limit policy, one budget across both processes', async () => {
      const body = { fileName: 'a.txt', size: 1, contentType: 'text/plain' };
      const first = await call(a, 'POST', '/uploads/sessions', body);
      expect(first.status).toBe(201);
      expect(first.headers.get('ratelimit-policy')).toContain('"upload";q=40;w=60');
      let last = first;
      let created = 1;
      while (created <= 40) {
        last = await call(created % 2 ? b : a, 'POST', '/uploads/sessions', body);
        if (last.status !== 201) break;
        created++;
      }
      expect(last.status).toBe(429);
      expect(last.type).toMatch(/^application\/problem\+json/);
      expect(last.body.type).toBe('quota-exceeded');
      expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
      // Only this route: reading a session is not limited by the upload policy.
      expect((await call(b, 'GET', `/uploads/sessions/${first.body.sessionId as string}`)).status).toBe(200);
      console.log(`[uploads ${topology}] 429 quota-exceeded once the shared budget of 40 was spent`);
    });

    if (topology === 'standalone') {
      it('when Redis is down: 503 problem+json from the Redis routes, flags served from memory; then all recover', async () => {
        const name = `outage-${randomBytes(3).toString('hex')}`;
        const put = await call(a, 'PUT', `/flags/${name}`, { enabled: true, rolloutPercent: 100 }, admin);
        await waitUntil(async () => (await flagOn(b, name)).version === put.body.version, {
          timeoutMs: 2_000,
        });
        await redis().standalone!.kill();
        try {
          const down: [string, string, unknown?, Record<string, string>?][] = [
            ['POST', '/analytics/events', { path: '/x', visitorId: 'v' }],
            ['GET', '/analytics/pages?path=/x'],
            ['PUT', '/leaderboards/weekly/members/alice', { score: 1 }],
            ['GET', '/leaderboards/weekly'],
            ['POST', '/uploads/sessions', { fileName: 'a.txt', size: 1, contentType: 'text/plain' }],
            ['PUT', `/flags/${name}`, { enabled: false, rolloutPercent: 0 }, admin],
          ];
          for (const [method, path, body, headers] of down) {
            const res = await call(b, method, path, body, headers);
            expect({ path, status: res.status, type: res.type.split(';')[0] }).toEqual({
              path,
              status: 503,
              type: 'application/problem+json',
            });
            expect(res.headers.get('retry-after')).toBe('1');
          }
          expect(await flagOn(b, name)).toEqual(put.body);
          expect((await call(a, 'GET', `/flags/${name}/evaluate?subject=u1`)).body.enabled).toBe(true);
        } finally {
          await redis().standalone!.start();
        }
        await waitUntil(
          async () =>
            (await call(a, 'POST', '/analytics/events', { path: '/x', visitorId: 'v' })).status === 202,
          { timeoutMs: 10_000, message: 'the routes did not recover' },
        );
        const again = await call(a, 'PUT', `/flags/${name}`, { enabled: false, rolloutPercent: 0 }, admin);
        expect(again.status).toBe(200);
        await waitUntil(async () => (await flagOn(b, name)).version === again.body.version, {
          timeoutMs: 5_000,
          message: 'B did not hear a write after the outage',
        });
      });
    }
  },
  ['standalone', 'cluster'],
);
