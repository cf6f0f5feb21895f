import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { KeyPart } from '../redis/index.js';
import {
  Cacheable,
  CacheEvict,
  type CacheableContext,
  type CacheableOptions,
  type CacheEvictOptions,
} from './cache.decorators.js';
import { canonicalJson } from './cache.http-key.js';
import { CacheKeys } from './cache.keys.js';
import { CacheService } from './cache.service.js';
import { isResolverClass } from '../http/execution.js';

type Method = (...args: unknown[]) => unknown;

/** An argument as a key part: plain values as they are (KeyBuilder hashes unsafe ones), objects as JSON. */
function argPart(arg: unknown): KeyPart {
  if (typeof arg === 'number' && Number.isSafeInteger(arg)) return arg;
  if (typeof arg === 'string') return arg === '' ? '""' : arg;
  return canonicalJson(arg);
}

/**
 * Wires @Cacheable and @CacheEvict on provider methods at module init (as @nestjs/bullmq wires
 * @Processor): the method is replaced on the instance by one that goes through CacheService. Only
 * statically scoped providers are wrapped; controllers are served by the interceptors instead.
 */
@Injectable()
export class CacheExplorer implements OnModuleInit {
  private readonly logger = new Logger('Cache');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly cache: CacheService,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      // Resolvers are served by the interceptors, as controllers are.
      if (isResolverClass(instance.constructor)) continue;
      const proto = Object.getPrototypeOf(instance) as object | null;
      for (const name of this.scanner.getAllMethodNames(proto)) {
        const method = instance[name];
        if (typeof method !== 'function') continue;
        const cacheable = this.reflector.get(Cacheable, method as Method);
        const evict = this.reflector.get(CacheEvict, method as Method);
        if (!cacheable && !evict) continue;
        const className = (instance.constructor as { name: string }).name;
        instance[name] = cacheable
          ? this.cached(className, name, method as Method, cacheable)
          : this.evicting(method as Method, evict!);
        this.logger.debug(`${className}.${name} wired for ${cacheable ? '@Cacheable' : '@CacheEvict'}`);
      }
    }
  }

  private cached(className: string, name: string, method: Method, options: CacheableOptions): Method {
    const cache = this.cache;
    const namespace = options.namespace ?? (className.replace(/Service$/, '').toLowerCase() || 'default');
    return async function (this: unknown, ...args: unknown[]) {
      const ctx: CacheableContext = { args, params: {}, query: {} };
      const key =
        typeof options.key === 'function'
          ? options.key(ctx)
          : [...(options.key ? CacheKeys.parts(options.key) : [name]), ...args.map(argPart)];
      const tags = typeof options.tags === 'function' ? options.tags(ctx) : options.tags;
      return cache.getOrSet(key, () => method.apply(this, args), {
        namespace,
        ttl: options.ttl,
        grace: options.grace,
        tags,
        l1: options.l1,
      });
    };
  }

  private evicting(method: Method, options: CacheEvictOptions): Method {
    const cache = this.cache;
    return async function (this: unknown, ...args: unknown[]) {
      const result = await method.apply(this, args);
      await cache.evict(options, { args, params: {}, query: {}, body: undefined, result });
      return result;
    };
  }
}
