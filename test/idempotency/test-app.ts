// An in-process Nest app with RedisModule + IdempotencyModule and routes that exercise every rule of
// @Idempotent (the multi-process acceptance runs the built app: payments.e2e.spec.ts).
import {
  Body,
  Controller,
  HttpCode,
  InternalServerErrorException,
  NotFoundException,
  Param,
  Patch,
  Post,
  Res,
  StreamableFile,
  type INestApplication,
} from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { setHeader, type AnyResponse } from '../../src/platform/http/adapter.js';
import { createTestApp, type Adapter } from '../support/adapters.js';
import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { redisOptionsFromEnv } from '../../src/config/app.config.js';
import {
  IdempotencyModule,
  Idempotent,
  type IdempotencyModuleOptions,
} from '../../src/platform/idempotency/index.js';
import { ProblemFilter } from '../../src/platform/http/problem.filter.js';
import { AuthModule, Public } from '../../src/platform/auth/index.js';
import { CacheModule } from '../../src/platform/cache/index.js';
import { TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET } from '../support/auth.js';
import { createValidationPipe } from '../../src/platform/http/validation.js';
import { RedisConnection, RedisModule, type RedisModuleOptions } from '../../src/platform/redis/index.js';

/** Body of the test routes. */
export class OrderDto {
  @IsInt()
  @Min(1)
  @Max(1000)
  n!: number;

  @IsOptional()
  @IsString()
  note?: string;
}

/**
 * Handlers that can be held: `hold(tag)` makes the next request whose body note is `tag` wait until
 * `release(tag)`; `entered` emits the tag when such a request reaches the handler.
 */
export class Gates {
  readonly entered = new EventEmitter();
  private readonly waiting = new Map<string, () => void>();
  private readonly held = new Set<string>();

  hold(tag: string): void {
    this.held.add(tag);
  }

  release(tag: string): void {
    this.held.delete(tag);
    this.waiting.get(tag)?.();
    this.waiting.delete(tag);
  }

  /** Resolves once a request tagged `tag` is inside its handler. */
  reached(tag: string): Promise<unknown> {
    return once(this.entered, tag);
  }

  async pass(tag: string | undefined): Promise<void> {
    if (!tag || !this.held.has(tag)) return;
    const released = new Promise<void>((resolve) => this.waiting.set(tag, resolve));
    this.entered.emit(tag);
    await released;
  }
}

/** Executions per route and note: how many times a handler really ran. */
export const calls = new Map<string, number>();
const count = (route: string, dto: { note?: string }) => {
  const key = `${route}:${dto.note ?? ''}`;
  const n = (calls.get(key) ?? 0) + 1;
  calls.set(key, n);
  return n;
};

export const gates = new Gates();

@Public()
@Controller('t')
class TestController {
  @Post('orders')
  @Idempotent()
  async create(@Body() dto: OrderDto, @Res({ passthrough: true }) res: AnyResponse) {
    await gates.pass(dto.note);
    const id = randomUUID();
    setHeader(res, 'Location', `/t/orders/${id}`);
    setHeader(res, 'X-Not-Replayed', 'per-request');
    return { id, n: dto.n, note: dto.note ?? null, run: count('orders', dto) };
  }

  @Post('wait')
  @Idempotent({ onConflict: 'wait', waitTimeout: '5s' })
  async waiting(@Body() dto: OrderDto) {
    await gates.pass(dto.note);
    return { id: randomUUID(), run: count('wait', dto) };
  }

  @Post('wait-short')
  @Idempotent({ onConflict: 'wait', waitTimeout: '300ms' })
  async waitShort(@Body() dto: OrderDto) {
    await gates.pass(dto.note);
    return { id: randomUUID(), run: count('wait-short', dto) };
  }

  @Post('flaky')
  @Idempotent()
  flaky(@Body() dto: OrderDto) {
    const run = count('flaky', dto);
    if (run === 1) throw new InternalServerErrorException('first attempt fails');
    return { id: randomUUID(), run };
  }

  @Post('missing')
  @Idempotent()
  missing(@Body() dto: OrderDto) {
    const run = count('missing', dto);
    throw new NotFoundException(`nothing here (run ${run})`);
  }

  @Post('missing-nostore')
  @Idempotent({ storeClientErrors: false })
  missingNoStore(@Body() dto: OrderDto) {
    const run = count('missing-nostore', dto);
    throw new NotFoundException(`nothing here (run ${run})`);
  }

  @Post('global')
  @Idempotent({ scope: 'global' })
  global(@Body() dto: OrderDto) {
    return { id: randomUUID(), run: count('global', dto) };
  }

  @Post('optional')
  @Idempotent({ required: false })
  optional(@Body() dto: OrderDto) {
    return { id: randomUUID(), run: count('optional', dto) };
  }

  @Patch('items/:id')
  @Idempotent()
  patch(@Param('id') id: string, @Body() dto: OrderDto) {
    return { id, n: dto.n, run: count(`patch-${id}`, dto) };
  }

  @Post('binary')
  @Idempotent()
  @HttpCode(200)
  binary(@Body() dto: OrderDto) {
    count('binary', dto);
    // Bytes that are not valid UTF-8: a replay through a string would corrupt them.
    return new StreamableFile(Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0x80]), randomBytes(64)]), {
      type: 'application/octet-stream',
    });
  }
}

/** Method options override class options. */
@Public()
@Controller('c')
@Idempotent({ required: false })
class ClassLevelController {
  @Post('inherits')
  inherits(@Body() dto: OrderDto) {
    return { run: count('inherits', dto) };
  }

  @Post('overrides')
  @Idempotent({ required: true })
  overrides(@Body() dto: OrderDto) {
    return { run: count('overrides', dto) };
  }
}

/** RedisModule options for a topology's environment. */
export function redisOptions(env: Record<string, string>, keyPrefix: string): RedisModuleOptions {
  return redisOptionsFromEnv({ ...env, REDIS_KEY_PREFIX: keyPrefix, NODE_ENV: 'test' });
}

/** A started test app. */
export interface TestApp {
  app: INestApplication;
  url: string;
  connection: RedisConnection;
  close(): Promise<void>;
}

/** Starts the test app on a free loopback port. */
export async function startTestApp(
  redis: RedisModuleOptions,
  idempotency: IdempotencyModuleOptions = {},
  adapter: Adapter = 'express',
): Promise<TestApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      RedisModule.forRoot(redis),
      CacheModule.forRoot({}),
      // The real identity layer: idempotency keys are scoped by the verified sub (else the client IP).
      AuthModule.forRoot({ jwtSecret: TEST_JWT_SECRET, issuer: TEST_ISSUER, audience: TEST_AUDIENCE }),
      IdempotencyModule.forRoot(idempotency),
    ],
    controllers: [TestController, ClassLevelController],
    providers: [{ provide: APP_FILTER, useClass: ProblemFilter }],
  }).compile();
  const app = await createTestApp(moduleRef, adapter, { logger: ['error'] }, (a) =>
    a.useGlobalPipes(createValidationPipe()),
  );
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    connection: app.get(RedisConnection),
    close: () => app.close(),
  };
}
