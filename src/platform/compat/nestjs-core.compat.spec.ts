import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Body,
  Controller,
  Get,
  Injectable,
  ParseIntPipe,
  Post,
  Query,
  type CallHandler,
  type ExecutionContext,
  type INestApplication,
  type NestInterceptor,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import type { Request } from 'express';
import { catchError, throwError, type Observable } from 'rxjs';
import request from 'supertest';
import { ApplicationConfig, ExecutionContextHost, isRejectedByPipes } from './nestjs-core.compat.js';

// Fails when @nestjs/core changes what the cache, idempotency and rate-limit code rely on.
const seen: Array<{ path: string; rejectedByPipes: boolean }> = [];

@Injectable()
class RecordingInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    return next.handle().pipe(
      catchError((err: unknown) => {
        seen.push({ path: req.path, rejectedByPipes: isRejectedByPipes(req) });
        return throwError(() => err);
      }),
    );
  }
}

@Controller('compat')
class CompatController {
  @Get('number')
  number(@Query('n', ParseIntPipe) n: number): number {
    return n;
  }

  @Post('fails')
  fails(@Body() _body: unknown): never {
    throw new Error('the handler ran and failed');
  }
}

@Injectable()
class ConfigReader {
  constructor(readonly config: ApplicationConfig) {}
}

describe('@nestjs/core internals (nestjs-core.compat.ts)', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      controllers: [CompatController],
      providers: [ConfigReader, { provide: APP_INTERCEPTOR, useClass: RecordingInterceptor }],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('isRejectedByPipes: true when a pipe refused the request, false when the handler itself failed', async () => {
    seen.length = 0;
    await request(app.getHttpServer()).get('/compat/number?n=abc').expect(400);
    await request(app.getHttpServer()).post('/compat/fails').send({}).expect(500);
    expect(seen).toEqual([
      { path: '/compat/number', rejectedByPipes: true },
      { path: '/compat/fails', rejectedByPipes: false },
    ]);
  });

  it('ApplicationConfig is injectable and lists singleton APP_INTERCEPTORs as global interceptors', () => {
    const config = app.get(ConfigReader).config;
    expect(config.getGlobalInterceptors().some((i) => i instanceof RecordingInterceptor)).toBe(true);
    expect(config.getGlobalRequestInterceptors()).toEqual([]);
  });

  it('ExecutionContextHost builds an http ExecutionContext from a request, a class and a handler', () => {
    const req = { path: '/x' };
    const handler = Object.getOwnPropertyDescriptor(CompatController.prototype, 'number')!
      .value as () => void;
    const context = new ExecutionContextHost([req, {}, undefined], CompatController as never, handler);
    context.setType('http');
    expect(context.getType()).toBe('http');
    expect(context.getClass()).toBe(CompatController);
    expect(context.getHandler()).toBe(handler);
    expect(context.switchToHttp().getRequest()).toBe(req);
  });
});
