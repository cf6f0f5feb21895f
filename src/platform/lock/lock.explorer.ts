import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { WITH_LOCK, type WithLockMetadata } from './lock.metadata.js';
import { LockService } from './lock.service.js';

const WRAPPED = Symbol('WITH_LOCK_WRAPPED');
const LIFECYCLE = new Set([
  'onModuleInit',
  'onApplicationBootstrap',
  'onModuleDestroy',
  'beforeApplicationShutdown',
  'onApplicationShutdown',
]);

type Method = ((...args: unknown[]) => unknown) & { [WRAPPED]?: true };

/**
 * Wires `@WithLock` on service methods at module init (as @nestjs/bullmq wires `@Processor`): every
 * singleton provider's method with the metadata (method over class) is replaced on the instance by a
 * wrapper that runs it inside `LockService.using`, its key read from the arguments (`{args.0.carId}`).
 */
@Injectable()
export class LockExplorer implements OnModuleInit {
  private readonly logger = new Logger('LockExplorer');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly locks: LockService,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.metatype) continue;
      const classMeta = this.reflector.get<WithLockMetadata | undefined>(WITH_LOCK, instance.constructor);
      const proto = Object.getPrototypeOf(instance) as Record<string, unknown>;
      for (const name of this.scanner.getAllMethodNames(proto)) {
        const method = proto[name] as Method;
        const metadata =
          this.reflector.get<WithLockMetadata | undefined>(WITH_LOCK, method) ??
          (LIFECYCLE.has(name) ? undefined : classMeta);
        if (!metadata || (instance[name] as Method)[WRAPPED]) continue;
        if (!wrapper.isDependencyTreeStatic()) {
          this.logger.warn(
            `@WithLock on ${wrapper.name}.${name} ignored: request-scoped providers are not wrapped`,
          );
          continue;
        }
        instance[name] = this.wrap(method, metadata);
      }
    }
  }

  private wrap(method: Method, metadata: WithLockMetadata): Method {
    const locks = this.locks;
    const wrapped: Method = function (this: unknown, ...args: unknown[]) {
      return (async () => {
        const parts = metadata.resolve({ args });
        return locks.run(parts, () => method.apply(this, args), metadata.options);
      })();
    };
    wrapped[WRAPPED] = true;
    Object.defineProperty(wrapped, 'name', { value: method.name });
    return wrapped;
  }
}
