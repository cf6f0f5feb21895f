import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { Controller, Get, Headers, Injectable, NotFoundException, Param, Post } from '@nestjs/common';
import request from 'supertest';
import { Cacheable, CacheEvict } from '../../src/platform/cache/index.js';
import { describeEachTopology } from '../support/topologies.js';
import { startCacheInstances, stopCacheInstances, type CacheInstance } from './cache-instances.js';

@Controller('t')
class ProbeController {
  calls = { me: 0, pub: 0, item: 0 };

  @Get('me')
  @Cacheable()
  me(@Headers('authorization') auth?: string, @Headers('cookie') cookie?: string) {
    this.calls.me++;
    return { who: auth ?? cookie ?? 'nobody' };
  }

  @Get('pub')
  @Cacheable({ public: true })
  pub(@Headers('authorization') auth?: string) {
    this.calls.pub++;
    return { who: auth ?? 'nobody' };
  }

  @Get('item/:id')
  @Cacheable({ namespace: 'items', tags: ({ params }) => [`item:${params.id}`] })
  item(@Param('id') id: string) {
    this.calls.item++;
    if (id === '0') throw new NotFoundException();
    return { id, n: this.calls.item };
  }

  @Post('item/:id')
  @CacheEvict({ tags: ({ params }) => [`item:${params.id}`] })
  touch() {
    return { ok: true };
  }

  @Post('plain')
  @Cacheable()
  plain() {
    return { ok: true };
  }
}

@Injectable()
class PriceService {
  calls = 0;

  @Cacheable({ ttl: '1m', tags: ['prices'] })
  async price(id: number) {
    this.calls++;
    return { id, calls: this.calls };
  }

  @CacheEvict({ tags: ['prices'] })
  async reprice() {
    return true;
  }
}

/** @Cacheable / @CacheEvict on routes (interceptors) and on provider methods (explorer), on two instances. */
describeEachTopology(
  'Cache decorators',
  (redis) => {
    let nodes: CacheInstance[];
    const http = (i: number) => request(nodes[i % 2]!.app.getHttpServer());
    const probes = () => nodes.map((n) => n.app.get(ProbeController));

    beforeAll(async () => {
      nodes = await startCacheInstances(
        redis().env,
        2,
        {},
        { controllers: [ProbeController], providers: [PriceService] },
      );
    }, 30_000);

    afterAll(async () => {
      await stopCacheInstances(nodes ?? []);
    });

    it('says MISS, HIT (L1), HIT (L2 on another instance); BYPASS off GET; errors are not cached', async () => {
      expect((await http(0).get('/t/item/1')).headers['x-cache']).toBe('MISS');
      expect((await http(0).get('/t/item/1')).headers['x-cache']).toBe('HIT');
      const other = await http(1).get('/t/item/1');
      expect(other.headers['x-cache']).toBe('HIT');
      expect(other.body).toEqual({ id: '1', n: 1 });
      expect((await http(0).post('/t/plain')).headers['x-cache']).toBe('BYPASS');
      expect((await http(0).get('/t/item/0')).status).toBe(404);
      expect((await http(0).get('/t/item/0')).status).toBe(404);
      expect(probes().reduce((n, p) => n + p.calls.item, 0)).toBe(3);
    });

    it('keys responses to credentialed requests by principal: never served to another one', async () => {
      const callers = [
        { authorization: 'Bearer alice-token' },
        { authorization: 'Bearer bob-token' },
        { authorization: 'Basic Y2Fyb2w6cHc=' },
        { cookie: 'sid=dave' },
        {},
      ] as Record<string, string>[];
      const order = Array.from({ length: 100 }, (_, i) => (i * 7) % callers.length);
      const answers = await Promise.all(
        order.map(async (c, i) => {
          const res = await http(i).get('/t/me').set(callers[c]!);
          return { expected: callers[c]!.authorization ?? callers[c]!.cookie ?? 'nobody', got: res.body.who };
        }),
      );
      expect(answers.filter((a) => a.got !== a.expected)).toEqual([]);
      expect(probes().reduce((n, p) => n + p.calls.me, 0)).toBe(callers.length);
    });

    it('shares a public route between principals', async () => {
      await http(0).get('/t/pub').set({ authorization: 'Bearer alice-token' });
      const bob = await http(1).get('/t/pub').set({ authorization: 'Bearer bob-token' });
      expect(bob.headers['x-cache']).toBe('HIT');
      expect(bob.body.who).toBe('Bearer alice-token');
    });

    it('evicts tags after a successful write, before the response, on every instance', async () => {
      const first = (await http(0).get('/t/item/7')).body;
      await http(1).get('/t/item/7');
      await http(1).post('/t/item/7');
      const after = await http(0).get('/t/item/7');
      expect(after.headers['x-cache']).toBe('MISS');
      expect(after.body.n).not.toBe(first.n);
    });

    it('caches and evicts provider methods wired by the explorer', async () => {
      const [a, b] = nodes.map((n) => n.app.get(PriceService)) as [PriceService, PriceService];
      expect(await a.price(1)).toEqual({ id: 1, calls: 1 });
      expect(await a.price(1)).toEqual({ id: 1, calls: 1 });
      expect(await b.price(1)).toEqual({ id: 1, calls: 1 }); // from L2: b's method never ran
      expect(b.calls).toBe(0);
      await b.reprice();
      expect(await a.price(1)).toEqual({ id: 1, calls: 2 });
    });
  },
  ['standalone'],
);
