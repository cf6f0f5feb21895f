// Analytics acceptance: page analytics (10,000 events from 1,000 visitors) on 2 app processes over real
// Redis (standalone and Cluster).
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { KeyBuilder } from '../../src/platform/redis/index.js';
import { describeEachTopology } from '../support/topologies.js';
import {
  blast,
  call,
  commandCalls,
  delta,
  masters,
  pipelineScriptsPerRequest,
  quitAll,
  startGroup,
  type AppGroup,
} from './helpers.js';

const RETENTION_DAYS = 30;
const DAY_S = 86_400;
const today = () => new Date().toISOString().slice(0, 10);
const addDays = (day: string, n: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_S * 1000).toISOString().slice(0, 10);

describeEachTopology(
  'Analytics over 2 processes',
  (redis, topology) => {
    let group: AppGroup;
    let probe: Redis | Cluster;
    let nodes: Redis[];
    const app = (i: number) => group.apps[i % group.apps.length]!;

    beforeAll(async () => {
      group = await startGroup(redis(), 2, { ANALYTICS_RETENTION_DAYS: String(RETENTION_DAYS) });
      probe = redis().client();
      nodes = await masters(redis());
    }, 90_000);

    afterAll(async () => {
      await quitAll(nodes ?? []);
      await group?.stop();
    }, 30_000);

    it('10,000 page views from 1,000 visitors: views exact, unique visitors within 2 %, one EVALSHA each', async () => {
      const path = `/pricing/${randomBytes(4).toString('hex')}?ref=a:b{c}`;
      const visitor = (i: number) => `visitor-${i % 1000}`;
      const send = async (i: number) => {
        const a = await call(app(i), 'POST', '/analytics/events', { path, visitorId: visitor(i) });
        if (a.status !== 202) throw new Error(`event ${i}: ${a.status} ${a.text}`);
      };
      // The first two load the script on each process (ioredis falls back to EVAL once on NOSCRIPT).
      await send(0);
      await send(1);
      const limiter = await pipelineScriptsPerRequest(group.apps, nodes);
      const before = await commandCalls(nodes);
      const rate = await blast(group.apps, 9_998, (i) => ({
        method: 'POST',
        path: '/analytics/events',
        body: { path, visitorId: visitor(i + 2) },
      }));
      const moved = delta(before, await commandCalls(nodes));
      // Every event is one EVALSHA (its INCRBY, PFADD and EXPIREATs run inside the script), besides the
      // rate limiter's own script calls.
      expect(moved).toMatchObject({
        evalsha: 9_998 * (1 + limiter),
        incrby: 9_998,
        pfadd: 9_998,
        expireat: 19_996,
      });
      expect(moved.eval ?? 0).toBe(0);

      const day = today();
      const reads = await commandCalls(nodes);
      const stats = await Promise.all(
        group.apps.map(
          async (a) => (await call(a, 'GET', `/analytics/pages?path=${encodeURIComponent(path)}`)).body,
        ),
      );
      // Each read: one MGET and one PFCOUNT (sent together: one round trip).
      expect(delta(reads, await commandCalls(nodes))).toMatchObject({ mget: 2, pfcount: 2 });
      for (const s of stats) {
        expect(s).toMatchObject({ path, from: addDays(day, -6), to: day, views: 10_000 });
        expect(Math.abs((s.uniqueVisitors as number) - 1000)).toBeLessThanOrEqual(20);
      }
      console.log(
        `[analytics ${topology}] 10,000 events over 2 processes at ${Math.round(rate)}/s; views ${String(stats[0]!.views)}, uniques ${String(stats[0]!.uniqueVisitors)}`,
      );

      // One path's keys share a hash tag (one slot) and expire at the day's end + the retention period.
      const keys = new KeyBuilder(group.prefix);
      const counterKey = keys.tagged('counter', ['pages', path], day);
      const hllKey = keys.tagged('hll', ['pages', path], day);
      expect(counterKey.slice(counterKey.indexOf('{'))).toBe(
        hllKey.slice(hllKey.indexOf('{')).replace('hll', 'counter'),
      );
      if (topology === 'cluster') {
        const slot = (k: string) => probe.call('CLUSTER', 'KEYSLOT', k);
        expect(await slot(counterKey)).toBe(await slot(hllKey));
      }
      const expireAt = Date.parse(`${day}T00:00:00Z`) / 1000 + (RETENTION_DAYS + 1) * DAY_S;
      expect(Number(await probe.call('EXPIRETIME', counterKey))).toBe(expireAt);
      expect(Number(await probe.call('EXPIRETIME', hllKey))).toBe(expireAt);
      expect(await probe.get(counterKey)).toBe('10000');

      // A range over several days (`to` defaults to today): views add up, unique visitors are the union.
      const yesterday = addDays(day, -1);
      await probe.incrby(keys.tagged('counter', ['pages', path], yesterday), 600);
      const others = Array.from({ length: 600 }, (_, i) => (i < 500 ? `visitor-${i}` : `visitor-new-${i}`));
      await probe.pfadd(keys.tagged('hll', ['pages', path], yesterday), ...others);
      const range = await call(
        app(1),
        'GET',
        `/analytics/pages?path=${encodeURIComponent(path)}&from=${yesterday}`,
      );
      expect(range.body).toMatchObject({ from: yesterday, to: day, views: 10_600 });
      expect(Math.abs((range.body.uniqueVisitors as number) - 1100)).toBeLessThanOrEqual(22);
      const onlyYesterday = await call(
        app(0),
        'GET',
        `/analytics/pages?path=${encodeURIComponent(path)}&from=${yesterday}&to=${yesterday}`,
      );
      expect(onlyYesterday.body).toMatchObject({ views: 600 });
      // Another path shares nothing.
      const other = await call(app(0), 'GET', `/analytics/pages?path=${encodeURIComponent(path + 'x')}`);
      expect(other.body).toMatchObject({ views: 0, uniqueVisitors: 0 });
    }, 90_000);
  },
  ['cluster'],
);
