import { Test } from '@nestjs/testing';
import { ConfigModule } from '@nestjs/config';
import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { redisOptionsFromEnv } from '../../src/config/app.config.js';
import {
  CacheEngine,
  CacheModule,
  CacheService,
  type CacheModuleOptions,
} from '../../src/platform/cache/index.js';
import { RedisModule, type RedisModuleOptions } from '../../src/platform/redis/index.js';
import { createTestApp, type Adapter } from '../support/adapters.js';

/** One in-process app instance: its own Redis connections, bus and L1. */
export interface CacheInstance {
  app: INestApplication;
  cache: CacheService;
  engine: CacheEngine;
}

/** RedisModule options for a topology handle's environment (any topology), with this key prefix. */
export function redisOptions(env: Record<string, string>, keyPrefix: string): RedisModuleOptions {
  return { ...redisOptionsFromEnv(env), keyPrefix };
}

/** A fresh key prefix per test group, so groups sharing a Redis never see each other's keys. */
export const randomPrefix = () => `t${randomBytes(4).toString('hex')}`;

/**
 * Starts `count` instances (Nest apps in this process) of CacheModule on one Redis deployment, with a
 * shared key prefix, waiting until every bus is in sync.
 */
export async function startCacheInstances(
  env: Record<string, string>,
  count: number,
  options: CacheModuleOptions & { keyPrefix?: string } = {},
  extra: Pick<ModuleMetadata, 'controllers' | 'providers' | 'imports'> & { adapter?: Adapter } = {},
): Promise<CacheInstance[]> {
  const { keyPrefix = randomPrefix(), ...cacheOptions } = options;
  const instances: CacheInstance[] = [];
  for (let i = 0; i < count; i++) {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ...(extra.imports ?? []),
        ConfigModule.forRoot({
          ignoreEnvFile: true,
          isGlobal: true,
          load: [() => ({ http: { adminToken: 'admin-token-0123456789' } })],
        }),
        RedisModule.forRoot(redisOptions(env, keyPrefix)),
        CacheModule.forRoot(cacheOptions),
      ],
      controllers: extra.controllers,
      providers: extra.providers,
    }).compile();
    const app = await createTestApp(moduleRef, extra.adapter ?? 'express', { logger: ['error'] });
    instances.push({ app, cache: app.get(CacheService), engine: app.get(CacheEngine) });
  }
  return instances;
}

/** Closes every instance. */
export async function stopCacheInstances(instances: CacheInstance[]): Promise<void> {
  await Promise.all(instances.map((i) => i.app.close()));
}

async function masters(client: Redis | Cluster): Promise<Redis[]> {
  if (!('nodes' in client && typeof client.nodes === 'function')) return [client as Redis];
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
  return client.nodes('master');
}

/** Commands executed by the deployment so far (every master), without the probes' own commands. */
export async function commandCount(client: Redis | Cluster): Promise<number> {
  const nodes = await masters(client);
  let total = 0;
  for (const node of nodes) {
    const info = await node.info('commandstats');
    for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      if (!['info', 'ping', 'cluster', 'client', 'hello', 'select', 'command', 'config'].includes(m[1]!))
        total += Number(m[2]);
    }
  }
  return total;
}

/** Calls per command name so far, over every master. */
export async function commandsByName(client: Redis | Cluster): Promise<Map<string, number>> {
  const nodes = await masters(client);
  const out = new Map<string, number>();
  for (const node of nodes) {
    const info = await node.info('commandstats');
    for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
      out.set(m[1]!, (out.get(m[1]!) ?? 0) + Number(m[2]));
  }
  return out;
}
