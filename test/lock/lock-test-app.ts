// In-process Nest apps for the lock and bookings specs: the real RedisModule (standalone, Sentinel or
// Cluster, from a harness topology's env), LockModule, and optionally DatabaseModule on a real PostgreSQL.
import { Logger, type INestApplication, type ModuleMetadata } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { redisOptionsFromEnv } from '../../src/config/app.config.js';
import { DatabaseModule } from '../../src/platform/database/index.js';
import { ProblemFilter } from '../../src/platform/http/problem.filter.js';
import { createValidationPipe } from '../../src/platform/http/validation.js';
import { LockModule, type LockModuleOptions } from '../../src/platform/lock/index.js';
import { RedisModule, type RedisClient } from '../../src/platform/redis/index.js';
import { createTestApp, type Adapter } from '../support/adapters.js';

/** A random key prefix: specs never see each other's keys. */
export const randomPrefix = (): string => `t${randomBytes(4).toString('hex')}`;

/** Options of {@link createLockApp}. */
export interface LockAppOptions extends Pick<ModuleMetadata, 'imports' | 'controllers' | 'providers'> {
  env: Record<string, string>;
  keyPrefix?: string;
  lock?: LockModuleOptions;
  /** A PostgreSQL URL: DatabaseModule is loaded when given. */
  databaseUrl?: string;
  /** The HTTP adapter (default Express). */
  adapter?: Adapter;
}

/** Boots an in-process app (problem+json filter and the global validation pipe, as in main.ts). */
export async function createLockApp(o: LockAppOptions): Promise<INestApplication> {
  const keyPrefix = o.keyPrefix ?? randomPrefix();
  const moduleRef = await Test.createTestingModule({
    imports: [
      RedisModule.forRoot(redisOptionsFromEnv({ ...o.env, REDIS_KEY_PREFIX: keyPrefix })),
      LockModule.forRoot({ nodeEnv: 'test', ...o.lock }),
      ...(o.databaseUrl ? [DatabaseModule.forRoot({ url: o.databaseUrl, pgliteDir: '', poolSize: 20 })] : []),
      ...(o.imports ?? []),
    ],
    controllers: o.controllers ?? [],
    providers: [{ provide: APP_FILTER, useClass: ProblemFilter }, ...(o.providers ?? [])],
  }).compile();
  Logger.overrideLogger(['error']);
  let created: INestApplication | undefined;
  try {
    return await createTestApp(moduleRef, o.adapter ?? 'express', { logger: ['error'] }, (app) => {
      created = app;
      app.useGlobalPipes(createValidationPipe());
    });
  } catch (err) {
    // A boot refused at module init (a bad @WithLock template) must not leave its Redis connections open.
    await created?.close().catch(() => undefined);
    throw err;
  }
}

/**
 * Counts the commands a client sends (each one request/reply: a round trip; ioredis's auto-pipelining
 * may batch them on the wire, which only lowers the count). On a Cluster, counted where the cluster
 * client dispatches them to a node.
 */
export function countCommands(client: RedisClient): {
  readonly count: number;
  names: string[];
  stop(): void;
} {
  const target = client as unknown as { sendCommand: (cmd: { name: string }) => unknown };
  const original = target.sendCommand;
  const names: string[] = [];
  target.sendCommand = function (this: unknown, cmd: { name: string }, ...rest: unknown[]) {
    names.push(cmd.name);
    return (original as (...a: unknown[]) => unknown).call(this, cmd, ...rest);
  };
  return {
    get count() {
      return names.length;
    },
    names,
    stop: () => {
      target.sendCommand = original;
    },
  };
}
