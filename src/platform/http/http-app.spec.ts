import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, type INestApplication, Module, Req } from '@nestjs/common';
import type { Express, Request } from 'express';
import { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpApp } from './http-app.js';

@Controller()
class ProbeController {
  @Get('probe')
  probe(@Req() req: Request): object {
    const app = req.app as Express;
    return {
      requestPrototype: Object.getPrototypeOf(req) === app.request,
      responsePrototype: Object.getPrototypeOf(req.res) === app.response,
      nodeClasses: req instanceof IncomingMessage && req.res instanceof ServerResponse,
      ip: req.ip,
      host: req.get('host'),
    };
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

describe('createHttpApp on Express', () => {
  let app: INestApplication;
  let base: string;
  /** Per request, as Node's server hands it over (before Express's `app.handle` runs). */
  const arrived: boolean[] = [];

  beforeAll(async () => {
    app = await createHttpApp(
      ProbeModule,
      { adapter: 'express', trustProxy: 0, bodyLimitKb: 16 },
      { logger: false },
    );
    const express = app.getHttpAdapter().getInstance() as Express;
    app.getHttpServer().prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      arrived.push(
        Object.getPrototypeOf(req) === express.request && Object.getPrototypeOf(res) === express.response,
      );
    });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app?.close();
  });

  it("serves requests that carry Express's prototypes from the start (no per-request setPrototypeOf)", async () => {
    const res = await fetch(`${base}/probe`);
    expect(res.status).toBe(200);
    expect(arrived).toEqual([true]);
    expect(await res.json()).toEqual({
      requestPrototype: true,
      responsePrototype: true,
      nodeClasses: true,
      ip: '127.0.0.1',
      host: new URL(base).host,
    });
  });

  it('still answers what no route matches (Express 404 through Nest)', async () => {
    const res = await fetch(`${base}/nothing-here`);
    expect(res.status).toBe(404);
  });
});
