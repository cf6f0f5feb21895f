import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Controller,
  Get,
  Injectable,
  Module,
  ParseIntPipe,
  Query,
  Sse,
  UseGuards,
  UseInterceptors,
  type CallHandler,
  type ExecutionContext,
  type INestApplication,
  type NestInterceptor,
} from '@nestjs/common';
import type { Request } from 'express';
import { map, of, type Observable } from 'rxjs';
import type { AddressInfo } from 'node:net';
import { isRejectedByPipes } from '../compat/nestjs-core.compat.js';
import { AroundInterceptor, type Next } from './around.interceptor.js';
import { createHttpApp } from './http-app.js';

// What ran, in order, per request: the fast path must keep Nest's order (guards, interceptors outermost
// first, pipes, handler) and errors; `intercept` runs only where Nest's RxJS path is kept.
const log: string[] = [];

abstract class Recording extends AroundInterceptor {
  abstract readonly name: string;

  async around(context: ExecutionContext, next: Next): Promise<unknown> {
    log.push(`${this.name}:before`);
    try {
      const value = await next();
      log.push(`${this.name}:after:${JSON.stringify(value)}`);
      return value;
    } catch (err) {
      const req = context.switchToHttp().getRequest<Request>();
      log.push(`${this.name}:error:${isRejectedByPipes(req) ? 'pipes' : 'handler'}`);
      throw err;
    }
  }

  override intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    log.push(`${this.name}:intercept`);
    return super.intercept(context, next);
  }
}

@Injectable()
class Outer extends Recording {
  readonly name = 'outer';
}

@Injectable()
class Inner extends Recording {
  readonly name = 'inner';
}

/** An interceptor of Nest's own kind: the route it is on keeps Nest's path. */
@Injectable()
class Plain implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    log.push('plain');
    return next.handle();
  }
}

@Injectable()
class DenyGuard {
  canActivate(context: ExecutionContext): boolean {
    log.push('guard');
    return context.switchToHttp().getRequest<Request>().query.deny === undefined;
  }
}

@Controller('around')
@UseInterceptors(Outer)
@UseGuards(DenyGuard)
class AroundController {
  @Get('value')
  @UseInterceptors(Inner)
  value(@Query('n', ParseIntPipe) n: number): { n: number } {
    log.push('handler');
    return { n };
  }

  @Get('observable')
  observable(): Observable<number> {
    log.push('handler');
    return of(1, 2, 3);
  }

  @Get('fails')
  fails(): never {
    log.push('handler');
    throw new Error('handler failed');
  }

  @Get('mixed')
  @UseInterceptors(Plain)
  mixed(): { ok: true } {
    log.push('handler');
    return { ok: true };
  }
}

/** Keeps a stream whole on Nest's path, as `RedisUnavailableInterceptor` does. */
@Injectable()
class Streaming extends AroundInterceptor {
  around(_context: ExecutionContext, next: Next): Promise<unknown> {
    log.push('streaming:around');
    return next();
  }

  override intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    log.push('streaming:intercept');
    return next.handle();
  }
}

@Controller('around')
@UseInterceptors(Streaming)
class SseController {
  @Sse('events')
  events(): Observable<{ data: number }> {
    return of(1, 2).pipe(map((data) => ({ data })));
  }
}

@Module({
  controllers: [AroundController, SseController],
  providers: [Outer, Inner, Plain, DenyGuard, Streaming],
})
class AroundModule {}

describe.each(['express', 'fastify'] as const)('AroundInterceptor on %s', (adapter) => {
  let app: INestApplication;
  let base: string;
  const get = async (path: string) => {
    log.length = 0;
    const res = await fetch(`${base}${path}`);
    const text = await res.text();
    return { status: res.status, text, body: text ? (JSON.parse(text) as unknown) : undefined };
  };

  beforeAll(async () => {
    app = await createHttpApp(AroundModule, { adapter, trustProxy: 0, bodyLimitKb: 16 }, { logger: false });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app?.close();
  });

  it('runs guards, then each interceptor around the rest, outermost first, without the RxJS path', async () => {
    const res = await get('/around/value?n=7');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ n: 7 });
    expect(log).toEqual([
      'guard',
      'outer:before',
      'inner:before',
      'handler',
      'inner:after:{"n":7}',
      'outer:after:{"n":7}',
    ]);
  });

  it('runs pipes inside the interceptors: a refused request reaches them as an error of the pipes', async () => {
    const res = await get('/around/value?n=x');
    expect(res.status).toBe(400);
    expect(log).toEqual(['guard', 'outer:before', 'inner:before', 'inner:error:pipes', 'outer:error:pipes']);
  });

  it("hands a handler's error to the interceptors, then to the exception filters", async () => {
    const res = await get('/around/fails');
    expect(res.status).toBe(500);
    expect(log).toEqual(['guard', 'outer:before', 'handler', 'outer:error:handler']);
  });

  it("reduces a handler's Observable to its last value, as Nest answers it", async () => {
    const res = await get('/around/observable');
    expect(res.status).toBe(200);
    expect(res.text).toBe('3');
    expect(log).toEqual(['guard', 'outer:before', 'handler', 'outer:after:3']);
  });

  it('runs no interceptor when a guard refuses', async () => {
    const res = await get('/around/value?n=1&deny=1');
    expect(res.status).toBe(403);
    expect(log).toEqual(['guard']);
  });

  it("keeps Nest's path on a route with another kind of interceptor: `around` runs through `intercept`", async () => {
    const res = await get('/around/mixed');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    expect(log).toEqual([
      'guard',
      'outer:intercept',
      'outer:before',
      'plain',
      'handler',
      'outer:after:{"ok":true}',
    ]);
  });

  it("keeps Nest's path on an SSE route", async () => {
    log.length = 0;
    const res = await fetch(`${base}/around/events`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('\nid: 1\ndata: 1\n\nid: 2\ndata: 2\n\n');
    expect(log).toEqual(['streaming:intercept']);
  });
});
