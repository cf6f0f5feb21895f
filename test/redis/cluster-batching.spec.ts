// Every Lua script of the platform, fired in the same tick with keys on different Cluster masters, through
// the request-path client (auto-pipelining on): ioredis batches a tick's commands per node, and one command
// routed to the wrong node makes that node refuse the whole batch. One call at a time never shows it.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { Cluster } from 'ioredis';
import { findLuaScripts, LuaScripts, PLATFORM_DIR } from '../../src/platform/redis/lua-scripts.js';
import { RedisConnectionFactory } from '../../src/platform/redis/redis.connection-factory.js';
import { RateLimitStore } from '../../src/platform/rate-limit/rate-limit.store.js';
import type { PolicyCheck } from '../../src/platform/rate-limit/rate-limit.types.js';
import { describeEachTopology } from '../support/topologies.js';

/** Valid arguments per script (keys come from the test): a new script must be added here to be covered. */
const ARGS: Record<string, (i: number) => (string | number)[]> = {
  'cache-delete': () => [1000],
  'cache-fill': () => [0, '', 1, 10_000, 0, 0, '', '{"v":1}'],
  'cache-lock': (i) => [`t${i}`, 1000],
  'cache-set': () => [1, 10_000, 0, 0, '', '{"v":1}'],
  'cache-unlock': (i) => [`t${i}`],
  'counters-admit': (i) => [
    `path${i}`,
    100,
    `visitor${i}`,
    Math.floor(Date.now() / 1000) + 60,
    Math.floor(Date.now() / 1000) + 60,
  ],
  'counters-record': (i) => [`visitor${i}`, 1, Math.floor(Date.now() / 1000) + 60],
  'flags-put': (i) => [`flag${i}`, '1', 50, `epoch${i}`],
  'idempotency-complete': (i) => [`r\nfp\nowner${i}`, 'd\nfp\n200\n[]\n', 10_000],
  'idempotency-release': (i) => [`r\nfp\nowner${i}`],
  'idempotency-renew': (i) => [`r\nfp\nowner${i}`, 10_000],
  'leaderboard-board': (i) => [`board${i}`, 1000],
  'leaderboard-incr': (i) => [`member${i}`, 1, 9007199254740991, 10_000, '0'],
  'leaderboard-rank': (i) => [`member${i}`],
  'lock-acquire': (i) => [`owner${i}`, 10_000, 0],
  'lock-extend': (i) => [`owner${i}`, 10_000],
  'lock-release': (i) => [`owner${i}`, 'chan'],
  'lock-reseed': (i) => [`owner${i}`, 5],
  'redis-ping-hash-tag': () => ['1', 10_000],
  'session-delete-owned': (i) => [`owner${i}`],
};

describeEachTopology(
  'same-tick script calls across Cluster masters',
  (redis) => {
    let client: Cluster;
    let scripts: LuaScripts;
    const files = findLuaScripts([PLATFORM_DIR]);
    const prefix = `b${randomBytes(4).toString('hex')}`;
    /** Hash tags whose slots are served by different masters, at least 8, spread over every master. */
    let tags: string[] = [];

    beforeAll(async () => {
      const factory = new RedisConnectionFactory({
        mode: 'cluster',
        clusterNodes: redis().cluster!.nodes,
        keyPrefix: prefix,
        commandTimeoutMs: 2000,
      });
      client = factory.create('request') as Cluster;
      scripts = new LuaScripts(client, files);
      await new Promise((resolve) => client.once('ready', resolve));
      const slotOf = new Map<string, number>();
      const masterOf = async (tag: string) => {
        if (!slotOf.has(tag)) slotOf.set(tag, Number(await client.cluster('KEYSLOT', tag)));
        return client.slots[slotOf.get(tag)!]![0]!;
      };
      const byMaster = new Map<string, string[]>();
      for (let n = 0; tags.length < 8 || byMaster.size < 3; n++) {
        const tag = `t${n}`;
        const master = await masterOf(tag);
        const list = byMaster.get(master) ?? [];
        if (list.length >= 3) continue;
        list.push(tag);
        byMaster.set(master, list);
        tags = [...byMaster.values()].flat();
      }
      // Interleave masters so consecutive calls go to different nodes.
      const lists = [...byMaster.values()];
      tags = Array.from({ length: 3 }, (_, r) => lists.map((l) => l[r]))
        .flat()
        .filter(Boolean) as string[];
      expect(new Set(await Promise.all(tags.map(masterOf))).size).toBe(3);
    });

    afterAll(async () => {
      client?.disconnect();
    });

    it('covers every script of the platform', () => {
      expect(files.map((f) => f.name).filter((n) => !(n in ARGS))).toEqual([]);
    });

    it('every fixed-count script succeeds when called with keys on every master in one tick', async () => {
      const calls: Promise<unknown>[] = [];
      const labels: string[] = [];
      for (const file of files) {
        tags.forEach((tag, i) => {
          const keys = Array.from(
            { length: file.numberOfKeys },
            (_, k) => `${prefix}:x:{${tag}}:${file.name}:${k}`,
          );
          calls.push(scripts.run(file.name, keys, ARGS[file.name]!(i)));
          labels.push(`${file.name} {${tag}}`);
        });
      }
      const settled = await Promise.allSettled(calls);
      const failed = settled
        .map((s, i) => (s.status === 'rejected' ? `${labels[i]}: ${(s.reason as Error).message}` : null))
        .filter(Boolean);
      expect(failed).toEqual([]);
      expect(calls.length).toBe(files.length * tags.length);
    });

    it('the variadic rate-limit script succeeds with 1 to 4 and 20 keys on every master in one tick, beside other commands', async () => {
      const store = new RateLimitStore(client);
      const calls: Promise<unknown>[] = [];
      tags.forEach((tag, i) => {
        // 20: past the registered counts, through plain EVALSHA (GET /rate-limit/status reads that many).
        for (const n of [1, 2, 3, 4, 20]) {
          const checks: PolicyCheck[] = Array.from({ length: n }, (_, k) => ({
            policy: `p${k}`,
            key: `${prefix}:rl:{${tag}}:${n}:${k}`,
            algorithm: 'sliding-window',
            limit: 10,
            windowMs: 10_000,
            cost: 1,
            blockMs: 0,
            failMode: 'open',
          }));
          calls.push(store.run(checks, true));
        }
        // Plain commands batched in the same tick: a refused batch would fail them too.
        calls.push(client.set(`${prefix}:plain:{${tag}}:${i}`, '1', 'PX', 10_000));
      });
      const settled = await Promise.allSettled(calls);
      expect(
        settled
          .filter((s) => s.status === 'rejected')
          .map((s) => String((s as PromiseRejectedResult).reason)),
      ).toEqual([]);
      const outcomes = settled.filter((s, i) => i % 6 !== 5) as PromiseFulfilledResult<{
        allowed: boolean;
      }>[];
      expect(outcomes.every((o) => o.value.allowed)).toBe(true);
    });
  },
  ['cluster'],
);
