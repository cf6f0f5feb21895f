// The Lua script against real Redis, in process: it matches the TypeScript fallback exactly, decides every
// policy all or nothing (where @nestjs/throttler's one-call-per-throttler storage does not), and the guard
// runs in an in-process Nest app through the Jest bridge for @nestjs/throttler (test/support/throttler-bridge.ts).
import 'reflect-metadata';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { Controller, Get, Module } from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import {
  decideAll,
  type AlgorithmState,
  type PolicyParams,
} from '../../src/platform/rate-limit/rate-limit.algorithms.js';
import { RateLimiter } from '../../src/platform/rate-limit/rate-limit.service.js';
import { RedisThrottlerStorage } from '../../src/platform/rate-limit/rate-limit.storage.js';
import { RateLimitStore } from '../../src/platform/rate-limit/rate-limit.store.js';
import type { PolicyCheck, RateLimitAlgorithm } from '../../src/platform/rate-limit/rate-limit.types.js';
import { APP_RATE_LIMIT_POLICIES } from '../../src/config/rate-limit.policies.js';
import { policiesFromEnv, RateLimit, RateLimitModule } from '../../src/platform/rate-limit/index.js';
import { KeyBuilder, RedisModule } from '../../src/platform/redis/index.js';
import { ProblemFilter } from '../../src/platform/http/problem.filter.js';
import { describeEachTopology } from '../support/topologies.js';

const ALGORITHMS: RateLimitAlgorithm[] = ['sliding-window', 'fixed-window', 'token-bucket'];
const CODE = { 'sliding-window': 's', 'fixed-window': 'f', 'token-bucket': 't' } as const;

/** A deterministic pseudo-random generator, so a failure can be replayed. */
function rng(seed: number) {
  return () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

const settings = { redisBudgetMs: 2000, retryRedisAfterMs: 1000, maxLocalEntries: 1000 };

describeEachTopology(
  'rate-limit Lua script',
  (redis, topology) => {
    let client: Redis | Cluster;
    let store: RateLimitStore;
    const prefix = `rl${randomBytes(4).toString('hex')}`;
    const keys = new KeyBuilder(prefix);

    beforeAll(async () => {
      client = redis().client();
      store = new RateLimitStore(client);
    });

    // The arithmetic does not depend on the topology: one server suffices.
    (topology === 'standalone' ? it : it.skip)(
      'gives exactly the TypeScript fallback results and state, on random states and policies',
      async () => {
        const random = rng(20261122);
        const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
        let compared = 0;
        for (let n = 0; n < 150; n++) {
          const count = int(1, 3);
          const policies: PolicyParams[] = [];
          const offsets: AlgorithmState[] = [];
          for (let i = 0; i < count; i++) {
            const algorithm = ALGORITHMS[int(0, 2)]!;
            const limit = int(1, 40);
            const windowMs = int(50, 90_000);
            policies.push({
              algorithm,
              limit,
              windowMs,
              cost: int(1, limit + 1),
              blockMs: random() < 0.3 ? int(1, 5000) : 0,
            });
            if (random() < 0.2) offsets.push({});
            else
              offsets.push({
                a: int(-3 * windowMs, algorithm === 'fixed-window' ? windowMs : 0),
                c: algorithm === 'token-bucket' ? random() * limit : int(0, limit + 3),
                d: algorithm === 'sliding-window' ? int(0, limit + 3) : undefined,
                b: random() < 0.2 ? int(-1000, 3000) : undefined,
              });
          }
          const consume = random() < 0.7;
          const caseKeys = policies.map((p, i) =>
            keys.tagged('rl', ['diff'], String(n), String(i), CODE[p.algorithm]),
          );
          // Same ms for the state's base time and the script's TIME: one MULTI, retried when a ms boundary fell inside.
          for (let attempt = 0; attempt < 30; attempt++) {
            const [sec, micro] = (await client.call('TIME')) as [string, string];
            const base = Number(sec) * 1000 + Math.floor(Number(micro) / 1000) + 1;
            const states = offsets.map((o) => {
              const s: AlgorithmState = {};
              if (o.a !== undefined) s.a = base + o.a;
              if (o.c !== undefined) s.c = o.c;
              if (o.d !== undefined) s.d = o.d;
              if (o.b !== undefined) s.b = base + o.b;
              return s;
            });
            const multi = client.multi();
            multi.call('TIME');
            caseKeys.forEach((k, i) => {
              multi.del(k);
              const fields = Object.entries(states[i]!).flatMap(([f, v]) => [f, String(v)]);
              if (fields.length) multi.hset(k, ...fields);
            });
            const args = policies.flatMap((p) => [CODE[p.algorithm], p.limit, p.windowMs, p.cost, p.blockMs]);
            (multi as unknown as Record<string, (...a: unknown[]) => void>)[
              `rateLimitConsume${caseKeys.length}`
            ]!(...caseKeys, consume ? '1' : '0', ...args);
            multi.call('TIME');
            for (const k of caseKeys) multi.hgetall(k);
            const replies = (await multi.exec())!.map(([err, value]) => {
              if (err) throw err;
              return value;
            });
            const ms = (t: unknown) => {
              const [sec, micro] = t as [string, string];
              return Number(sec) * 1000 + Math.floor(Number(micro) / 1000);
            };
            const now = ms(replies[0]);
            // The script's own TIME lies between these two: equal, and equal to base, or try again.
            if (now !== base || ms(replies[replies.length - 1 - caseKeys.length]) !== now) continue;
            const scriptReply = replies[replies.length - 2 - caseKeys.length] as number[];
            const stored = replies.slice(-caseKeys.length) as Record<string, string>[];
            const expected = decideAll(policies, states, now, consume);
            const context = JSON.stringify({ n, policies, states, consume, scriptReply });
            expect([scriptReply[0] === 1, context]).toEqual([expected.allowed, context]);
            expected.evaluations.forEach((e, i) => {
              const got = scriptReply.slice(1 + i * 4, 5 + i * 4);
              expect([got, context]).toEqual([[e.ok ? 1 : 0, e.remaining, e.resetMs, e.retryMs], context]);
              const after = e.next && consume ? e.next : states[i]!;
              const parsed = Object.fromEntries(Object.entries(stored[i]!).map(([f, v]) => [f, Number(v)]));
              const want = Object.fromEntries(Object.entries(after).filter(([, v]) => v !== undefined));
              for (const f of Object.keys(want))
                expect([f, parsed[f], context]).toEqual([f, expect.closeTo(want[f]!, 6), context]);
            });
            compared++;
            break;
          }
        }
        expect(compared).toBeGreaterThan(140);
      },
    );

    it('consumes no policy when one refuses, where one call per throttler (the stock storage) does', async () => {
      const tight: PolicyCheck = {
        policy: 'tight',
        key: keys.tagged('rl', ['aon'], 'tight', 'f'),
        algorithm: 'fixed-window',
        limit: 1,
        windowMs: 60_000,
        cost: 1,
        blockMs: 0,
        failMode: 'open',
      };
      const loose: PolicyCheck = {
        ...tight,
        policy: 'loose',
        key: keys.tagged('rl', ['aon'], 'loose', 'f'),
        limit: 100,
      };
      expect((await new RateLimiter(store, settings).consume([tight, loose])).allowed).toBe(true);
      for (let i = 0; i < 5; i++) {
        // A new limiter each time: an empty block list, so every refusal comes from the script.
        const refused = await new RateLimiter(store, settings).consume([tight, loose]);
        expect([refused.allowed, refused.source]).toEqual([false, 'redis']);
      }
      expect(Number(await client.hget(loose.key, 'c'))).toBe(1); // five refusals consumed nothing

      // The protection switched off: @nestjs/throttler's guard calls storage.increment once per throttler.
      const stock = new RedisThrottlerStorage(new RateLimiter(store, settings), keys, []);
      await stock.increment('stock', 60_000, 1, 0, 'tight');
      await stock.increment('stock', 60_000, 100, 0, 'loose');
      for (let i = 0; i < 5; i++) {
        const t = await stock.increment('stock', 60_000, 1, 0, 'tight');
        expect(t.isBlocked).toBe(true);
        await stock.increment('stock', 60_000, 100, 0, 'loose');
      }
      const looseStock = keys.tagged('rl', ['stock'], 'loose', 'fixed-window');
      expect(Number(await client.hget(looseStock, 'c'))).toBe(6); // five refused requests consumed "loose"
    });

    it('costs one script call whatever the number of policies, on every node', async () => {
      const limiter = new RateLimiter(store, settings);
      const checks = (n: number): PolicyCheck[] =>
        Array.from({ length: n }, (_, i) => ({
          policy: `p${i}`,
          key: keys.tagged('rl', ['rt'], `p${i}`, 's'),
          algorithm: ALGORITHMS[i % 3]!,
          limit: 1000,
          windowMs: 60_000,
          cost: 1,
          blockMs: 0,
          failMode: 'open' as const,
        }));
      await limiter.consume(checks(1)); // loads the script (EVALSHA, EVAL on NOSCRIPT) before counting
      for (const n of [1, 2, 4, 8]) {
        const before = await scriptCalls(client);
        for (let r = 0; r < 10; r++) expect((await limiter.consume(checks(n))).allowed).toBe(true);
        expect(await scriptCalls(client)).toBe(before + 10);
      }
    });
    // The harness closes its clients when it stops the deployment.
  },
  ['standalone', 'cluster'],
);

/** EVALSHA + EVAL calls summed over the masters (commands run inside scripts are counted apart). */
async function scriptCalls(client: Redis | Cluster): Promise<number> {
  const nodes = 'nodes' in client ? client.nodes('master') : [client];
  let total = 0;
  for (const node of nodes) {
    const info = await node.info('commandstats');
    for (const m of info.matchAll(/^cmdstat_(evalsha|eval):calls=(\d+)/gm)) total += Number(m[2]);
  }
  return total;
}

@Controller('t')
class InProcessController {
  @Get('upload')
  @RateLimit('upload', { limit: 2, ttl: 60_000 })
  upload(): { ok: true } {
    return { ok: true };
  }
}

describeEachTopology(
  'RateLimitGuard in process (Jest bridge for @nestjs/throttler)',
  (redis) => {
    let app: INestApplication;
    beforeAll(async () => {
      const { url } = redis().standalone!;
      @Module({
        imports: [
          RedisModule.forRoot({ mode: 'standalone', url, keyPrefix: `rl${randomBytes(4).toString('hex')}` }),
          RateLimitModule.forRoot({
            policies: policiesFromEnv({ RATE_LIMIT_DEFAULT: '100/60s' }, APP_RATE_LIMIT_POLICIES),
          }),
        ],
        controllers: [InProcessController],
        providers: [{ provide: APP_FILTER, useClass: ProblemFilter }],
      })
      class TestModule {}
      app = await NestFactory.create(TestModule, { logger: false });
      await app.listen(0, '127.0.0.1');
    });

    it('limits with the extended ThrottlerGuard and answers 429 problem+json', async () => {
      const url = `${await app.getUrl()}/t/upload`.replace('[::1]', '127.0.0.1');
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 3; i++) {
        last = await fetch(url);
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 429]);
      expect(last!.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await last!.json()) as { type: string }).type).toBe('quota-exceeded');
      expect(last!.headers.get('ratelimit-policy')).toBe('"default";q=100;w=60, "upload";q=2;w=60');
    });

    it('refuses to boot when a route names a policy that is not configured', async () => {
      @Controller('typo')
      class TypoController {
        @Get()
        @RateLimit('uplod')
        get(): { ok: true } {
          return { ok: true };
        }
      }
      @Module({
        imports: [
          RedisModule.forRoot({ mode: 'standalone', url: redis().standalone!.url, keyPrefix: 'typo' }),
          RateLimitModule.forRoot({ policies: policiesFromEnv({}, APP_RATE_LIMIT_POLICIES) }),
        ],
        controllers: [TypoController],
      })
      class TypoModule {}
      const typo = await NestFactory.create(TypoModule, { logger: false, abortOnError: false });
      try {
        await expect(typo.init()).rejects.toThrow(
          'rate limit: TypoController.get names the policy "uplod", which is not configured',
        );
      } finally {
        await typo.close();
      }
    });

    afterAll(async () => {
      await app?.close();
    });
  },
  ['standalone'],
);
