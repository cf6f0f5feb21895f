import { afterAll, beforeAll, expect, it } from '@jest/globals';
import {
  Controller,
  Get,
  Header,
  Headers,
  Injectable,
  Module,
  NotFoundException,
  Param,
  Post,
  type CallHandler,
  type INestApplication,
  type NestInterceptor,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { map, type Observable } from 'rxjs';
import request from 'supertest';
import { Cacheable, CacheEvict } from '../../src/platform/cache/index.js';
import { hitsGoOutAsText } from '../../src/platform/cache/cache.interceptor.js';
import { ApplicationConfig } from '../../src/platform/compat/nestjs-core.compat.js';
import { describeEachTopologyAndAdapter } from '../support/adapters.js';
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

  /** Text JSON.stringify escapes or that a re-encoding could change. */
  @Get('rich')
  @Cacheable({ public: true })
  rich() {
    return {
      text: 'Grüße € 😀 </script> "quoted" \\ back\nslash \u2028',
      numbers: [0, -0, 1e21, 0.1 + 0.2, -1.5e-7],
      nested: { list: [[], {}, null, true], when: new Date(0) },
      ['__proto__x']: 1,
    };
  }

  @Get('typed')
  @Header('Content-Type', 'application/vnd.api+json')
  @Cacheable({ public: true })
  typed() {
    return { data: { id: '1', type: 'cars' } };
  }

  @Get('scalar')
  @Cacheable({ public: true })
  scalar() {
    return 'just text';
  }
}

/** Whether the cache settled on sending the route's hits as text. */
const sendsText = (app: INestApplication) =>
  hitsGoOutAsText(app.get(ApplicationConfig, { strict: false }), ProbeController.prototype.rich);

/** A global interceptor that maps every body: hits must reach it as values, as misses do. */
class WrapInterceptor implements NestInterceptor {
  intercept(_: unknown, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map((data: unknown) => ({ data })));
  }
}

/** Registers WrapInterceptor globally from a module imported before CacheModule: it runs around the cache. */
@Module({ providers: [{ provide: APP_INTERCEPTOR, useClass: WrapInterceptor }] })
class WrapModule {}

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
describeEachTopologyAndAdapter(
  'Cache decorators',
  (redis, _topology, adapter) => {
    let nodes: CacheInstance[];
    const http = (i: number) => request(nodes[i % 2]!.app.getHttpServer());
    const probes = () => nodes.map((n) => n.app.get(ProbeController));

    beforeAll(async () => {
      nodes = await startCacheInstances(
        redis().env,
        2,
        {},
        { controllers: [ProbeController], providers: [PriceService], adapter },
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

    it('sends an L1 hit as the stored JSON text: the same bytes, type and ETag as the miss', async () => {
      for (const path of ['/t/rich', '/t/typed', '/t/scalar']) {
        const miss = await http(0).get(path);
        const hit = await http(0).get(path);
        expect([miss.status, miss.headers['x-cache'], hit.status, hit.headers['x-cache']]).toEqual([
          200,
          'MISS',
          200,
          'HIT',
        ]);
        expect(hit.text).toBe(miss.text);
        expect(hit.headers['content-type']).toBe(miss.headers['content-type']);
        expect(hit.headers['etag']).toBe(miss.headers['etag']);
      }
      expect((await http(0).get('/t/typed')).headers['content-type']).toMatch(/^application\/vnd\.api\+json/);
      // A string body: Express sends it as HTML, Fastify as plain text; the cache keeps either.
      expect((await http(0).get('/t/scalar')).headers['content-type']).toMatch(
        adapter === 'express' ? /^text\/html/ : /^text\/plain/,
      );
      expect(sendsText(nodes[0]!.app)).toBe(true); // so the equalities above were about the text path
    });

    it('answers values, not text, when a global interceptor around the cache maps bodies', async () => {
      // (One added with app.useGlobalInterceptors runs inside the cache: its mapping is in what was cached.)
      const wrapped = await startCacheInstances(
        redis().env,
        1,
        {},
        { controllers: [ProbeController], imports: [WrapModule], adapter },
      );
      try {
        const server = wrapped[0]!.app.getHttpServer();
        const miss = await request(server).get('/t/rich');
        const hit = await request(server).get('/t/rich');
        expect(hit.headers['x-cache']).toBe('HIT');
        expect(miss.body.data.text).toContain('Grüße');
        expect(hit.text).toBe(miss.text);
        expect(sendsText(wrapped[0]!.app)).toBe(false);
      } finally {
        await stopCacheInstances(wrapped);
      }
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
