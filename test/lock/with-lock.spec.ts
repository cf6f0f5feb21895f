// @WithLock on routes (interceptor) and on service methods (explorer), @FencingToken / @CurrentLock, the
// 409 lock-busy and 503 answers, and the test-only switch; in-process apps over a real redis-server.
import { afterAll, afterEach, beforeAll, expect, it } from '@jest/globals';
import { Body, Controller, Injectable, Param, Post, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import {
  CurrentLock,
  currentFencingToken,
  FencingToken,
  LockBusyError,
  LockContext,
  LockService,
  LockUnavailableError,
  WithLock,
  type HeldLock,
} from '../../src/platform/lock/index.js';
import { describeEachTopologyAndAdapter } from '../support/adapters.js';
import type { TopologyHandle } from '../support/topologies.js';
import { waitUntil } from '../support/wait.js';
import { createLockApp, randomPrefix } from './lock-test-app.js';

/** A gate the test opens: lets a handler hold its lock until the test has looked. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const calls = { hold: 0, body: 0, fleet: 0, car: 0, book: 0 };
let holdGate = gate();
let entered = gate();

@Injectable()
class BookingDesk {
  /** Locked by the explorer; the key comes from the first argument. */
  @WithLock({ key: 'car:{args.0}', ttlMs: 5_000, waitMs: 0 })
  async book(carId: string, wait?: Promise<void>): Promise<{ carId: string; fence: number }> {
    calls.book++;
    entered.open();
    await wait;
    return { carId, fence: currentFencingToken() };
  }

  /** The lock the method runs under, as LockContext.current() hands it over (no key written twice). */
  @WithLock({ key: 'car:{args.0}', ttlMs: 5_000, waitMs: 0 })
  async whichLock(_carId: string): Promise<string | undefined> {
    return LockContext.current()?.resource;
  }
}

@Controller('typo')
class TypoController {
  @Post(':carId')
  @WithLock({ key: 'car:{params.carid}' })
  book(): void {}
}

@Injectable()
class TypoDesk {
  @WithLock({ key: 'car:{args.1}' })
  async book(_carId: string): Promise<void> {}
}

@Controller('cars')
class CarsController {
  constructor(private readonly desk: BookingDesk) {}

  @Post(':carId/hold')
  @WithLock({ key: 'car:{params.carId}', ttlMs: 5_000, waitMs: 0 })
  async hold(@Param('carId') carId: string, @FencingToken() fence: number, @CurrentLock() lock: HeldLock) {
    calls.hold++;
    entered.open();
    await holdGate.opened;
    return { carId, fence, resource: lock.resource, fromContext: currentFencingToken() };
  }

  @Post('by-body')
  @WithLock({ key: 'car:{body.carId}', ttlMs: 5_000 })
  byBody(@Body() body: { carId: string }) {
    calls.body++;
    return { carId: body.carId };
  }

  /** Re-entrant: the route holds car:{id}; the service method locks the same resource in the same chain. */
  @Post(':carId/book')
  @WithLock({ key: 'car:{params.carId}', ttlMs: 5_000, waitMs: 0 })
  book(@Param('carId') carId: string) {
    return this.desk.book(carId);
  }
}

@Controller('fleet')
@WithLock({ key: 'fleet:all', ttlMs: 5_000, waitMs: 0 })
class FleetController {
  @Post('recount')
  recount(@CurrentLock() lock: HeldLock) {
    calls.fleet++;
    return { resource: lock.resource };
  }

  @Post('cars/:carId')
  @WithLock({ key: 'car:{params.carId}', ttlMs: 5_000, waitMs: 0 })
  car(@CurrentLock() lock: HeldLock) {
    calls.car++;
    return { resource: lock.resource };
  }
}

describeEachTopologyAndAdapter(
  '@WithLock',
  (topology: () => TopologyHandle, _name, adapter) => {
    let app: INestApplication;
    let prefix: string;
    let redis: ReturnType<TopologyHandle['client']>;
    const others: INestApplication[] = [];
    const http = () => request(app.getHttpServer());

    beforeAll(async () => {
      // The handlers' counters are per module: each adapter's block starts from zero.
      for (const k of Object.keys(calls) as (keyof typeof calls)[]) calls[k] = 0;
      prefix = randomPrefix();
      app = await createLockApp({
        env: topology().env,
        keyPrefix: prefix,
        controllers: [CarsController, FleetController],
        providers: [BookingDesk],
        adapter,
      });
      redis = topology().client();
    });

    afterEach(() => {
      holdGate.open();
      holdGate = gate();
      entered = gate();
    });

    afterAll(async () => {
      await Promise.all([app, ...others].map((a) => a.close()));
    });

    it('answers 409 lock-busy with Retry-After while the car is held, and hands the fencing token to the handler', async () => {
      const first = http()
        .post('/cars/42/hold')
        .then((r) => r);
      await entered.opened;
      expect(await redis.get(`${prefix}:lock:{car:42}`)).toEqual(expect.any(String));
      const busy = await http().post('/cars/42/hold');
      expect(busy.status).toBe(409);
      expect(busy.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(busy.body).toMatchObject({ type: 'lock-busy', status: 409 });
      expect(Number(busy.headers['retry-after'])).toBe(5);
      holdGate.open();
      const ok = await first;
      expect(ok.status).toBe(201);
      const fence = Number(await redis.get(`${prefix}:fence:{car:42}`));
      expect(ok.body).toEqual({ carId: '42', fence, resource: 'car:42', fromContext: fence });
      expect(await redis.exists(`${prefix}:lock:{car:42}`)).toBe(0);
      expect(calls.hold).toBe(1);
    });

    it('reads key parts from the body through the KeyBuilder: hashed when unsafe, 400 when missing', async () => {
      expect((await http().post('/cars/by-body').send({ carId: 'c-1' })).status).toBe(201);
      expect((await http().post('/cars/by-body').send({ carId: 'a:{b}*' })).status).toBe(201);
      for (const body of [{}, { carId: '' }, { carId: { nested: 1 } }, [1, 2]]) {
        const res = await http().post('/cars/by-body').send(body);
        expect(res.status).toBe(400);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({ type: 'validation-error' });
      }
      expect(calls.body).toBe(2);
      const fences: string[] = [];
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:fence:*`, 'COUNT', 1000);
        cursor = next;
        fences.push(...keys);
      } while (cursor !== '0');
      expect(fences).toContain(`${prefix}:fence:{car:c-1}`);
      expect(fences.some((k) => /^[^{]+:fence:\{car:#[\w-]{22}\}$/.test(k))).toBe(true);
      expect(fences.join()).not.toContain('a:{b}');
    });

    it('method metadata overrides class metadata, and the route is locked once', async () => {
      expect((await http().post('/fleet/recount')).body).toEqual({ resource: 'fleet:all' });
      // With the class lock held elsewhere, the method's own key still applies (no double locking).
      const locks = app.get(LockService);
      const fleet = await locks.acquire('fleet:all', { ttlMs: 5_000 });
      expect((await http().post('/fleet/cars/7')).body).toEqual({ resource: 'car:7' });
      expect((await http().post('/fleet/recount')).status).toBe(409);
      await locks.release(fleet);
      expect(calls).toMatchObject({ fleet: 1, car: 1 });
    });

    it('wraps service methods: busy -> LockBusyError, fencing token from the context, re-entrant under a locked route', async () => {
      const desk = app.get(BookingDesk);
      const held = gate();
      const first = desk.book('9', held.opened);
      await entered.opened;
      await expect(desk.book('9')).rejects.toBeInstanceOf(LockBusyError);
      held.open();
      expect(await first).toEqual({ carId: '9', fence: Number(await redis.get(`${prefix}:fence:{car:9}`)) });
      // Route and method lock the same car in one call chain: no self-deadlock, one token.
      const res = await http().post('/cars/9/book');
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ carId: '9', fence: Number(await redis.get(`${prefix}:fence:{car:9}`)) });
    });

    it('hands a locked method its own lock through LockContext.current(), also when re-entered under another', async () => {
      const desk = app.get(BookingDesk);
      const locks = app.get(LockService);
      expect(await desk.whichLock('31')).toBe('car:31');
      expect(await locks.run(['depot', 1], () => desk.whichLock('32'))).toBe('car:32');
      // Re-entrant: the caller holds car:33 and then depot:1; inside the method, car:33 is current.
      expect(await locks.run(['car', 33], () => locks.run(['depot', 1], () => desk.whichLock('33')))).toBe(
        'car:33',
      );
    });

    it('checks key templates at module start: a typo stops the boot, naming the route or method', async () => {
      const env = topology().env;
      await expect(createLockApp({ env, controllers: [TypoController] })).rejects.toThrow(
        "@WithLock on TypoController.book: key 'car:{params.carid}': {params.carid} is not a parameter of the route path (has: :carId)",
      );
      await expect(createLockApp({ env, providers: [TypoDesk] })).rejects.toThrow(
        /@WithLock on TypoDesk.book: key 'car:\{args.1\}': .*1 declared parameter/,
      );
    });

    it('fails closed when Redis is down: 503 problem+json with Retry-After, the handler never runs', async () => {
      const server = topology().standalone!;
      const before = { ...calls };
      await server.kill();
      try {
        const res = await http().post('/cars/77/hold');
        expect(res.status).toBe(503);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.headers['retry-after']).toBe('1');
        expect(res.body).toMatchObject({ type: 'service-unavailable', status: 503 });
        await expect(app.get(BookingDesk).book('77')).rejects.toBeInstanceOf(LockUnavailableError);
        expect(calls).toEqual(before);
      } finally {
        await server.start();
      }
      await waitUntil(
        async () => (await http().post('/cars/by-body').send({ carId: 'back' })).status === 201,
        {
          message: 'the app did not reconnect to Redis',
        },
      );
    });

    it('the test-only switch runs handlers unlocked under NODE_ENV=test only', async () => {
      const off = await createLockApp({
        env: topology().env,
        keyPrefix: prefix,
        lock: { disabledForTests: true, nodeEnv: 'test' },
        controllers: [CarsController, FleetController],
        providers: [BookingDesk],
      });
      const ignored = await createLockApp({
        env: topology().env,
        keyPrefix: prefix,
        lock: { disabledForTests: true, nodeEnv: 'production' },
        controllers: [CarsController, FleetController],
        providers: [BookingDesk],
      });
      others.push(off, ignored);
      const baseline = calls.hold;
      expect(off.get(LockService).disabled).toBe(true);
      expect(ignored.get(LockService).disabled).toBe(false);
      const first = request(off.getHttpServer())
        .post('/cars/off/hold')
        .then((r) => r);
      await entered.opened;
      expect(await redis.exists(`${prefix}:lock:{car:off}`)).toBe(0);
      // Unlocked: a second request runs concurrently instead of getting 409.
      const second = request(off.getHttpServer())
        .post('/cars/off/hold')
        .then((r) => r);
      await waitUntil(() => calls.hold >= baseline + 2);
      holdGate.open();
      expect((await first).body.fence).toBe(0);
      expect((await second).status).toBe(201);
      const locked = await request(ignored.getHttpServer()).post('/cars/on/hold');
      expect(locked.body.fence).toBeGreaterThan(0);
    });
  },
  ['standalone'],
);
