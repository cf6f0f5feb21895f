import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { METHOD_METADATA, PATH_METADATA } from '../compat/nestjs-common.compat.js';
import { checkTemplate } from './lock.keys.js';
import { WITH_LOCK, type WithLockMetadata } from './lock.metadata.js';
import { LockService } from './lock.service.js';
import { isResolverClass } from '../http/execution.js';

const WRAPPED = Symbol('WITH_LOCK_WRAPPED');
const LIFECYCLE = new Set([
  'onModuleInit',
  'onApplicationBootstrap',
  'onModuleDestroy',
  'beforeApplicationShutdown',
  'onApplicationShutdown',
]);

type Method = ((...args: unknown[]) => unknown) & { [WRAPPED]?: true };

/** The `:name` parameters of a route's path (class and method paths; several paths each allowed). */
function pathParams(classRef: object, handler: object): string[] {
  const paths = [Reflect.getMetadata(PATH_METADATA, classRef), Reflect.getMetadata(PATH_METADATA, handler)]
    .flat()
    .map((p) => String(p ?? ''));
  return [...new Set(paths.flatMap((p) => [...p.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!)))];
}

/**
 * Wires `@WithLock` on service methods at module init (as @nestjs/bullmq wires `@Processor`): every
 * singleton provider's method with the metadata (method over class) is replaced on the instance by a
 * wrapper that runs it inside `LockService.using`, its key read from the arguments (`{args.0.carId}`).
 * Every key template, on routes and methods, is checked against its use first: a placeholder that
 * cannot resolve stops the boot.
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
    this.checkRoutes();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.metatype) continue;
      // Resolvers are served by LockInterceptor, as controllers are.
      if (isResolverClass(wrapper.metatype)) continue;
      const classMeta = this.reflector.get<WithLockMetadata | undefined>(WITH_LOCK, instance.constructor);
      const proto = Object.getPrototypeOf(instance) as Record<string, unknown>;
      for (const name of this.scanner.getAllMethodNames(proto)) {
        const method = proto[name] as Method;
        const metadata =
          this.reflector.get<WithLockMetadata | undefined>(WITH_LOCK, method) ??
          (LIFECYCLE.has(name) ? undefined : classMeta);
        if (!metadata || (instance[name] as Method)[WRAPPED]) continue;
        this.check(metadata, `${wrapper.name}.${name}`, { method: { arity: method.length } });
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

  /** Route keys read path parameters the route has (`{params.carId}` needs `:carId`), query or body. */
  private checkRoutes(): void {
    for (const wrapper of this.discovery.getControllers()) {
      const classRef = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
      if (!classRef || !wrapper.instance) continue;
      const classMeta = this.reflector.get<WithLockMetadata | undefined>(WITH_LOCK, classRef);
      const proto = Object.getPrototypeOf(wrapper.instance) as Record<string, Method>;
      for (const name of this.scanner.getAllMethodNames(proto)) {
        const handler = proto[name]!;
        if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
        const metadata = this.reflector.get<WithLockMetadata | undefined>(WITH_LOCK, handler) ?? classMeta;
        if (metadata)
          this.check(metadata, `${classRef.name}.${name}`, {
            route: { pathParams: pathParams(classRef, handler) },
          });
      }
    }
  }

  private check(metadata: WithLockMetadata, where: string, use: Parameters<typeof checkTemplate>[1]): void {
    if (metadata.template === undefined) return;
    const problem = checkTemplate(metadata.template, use);
    if (problem) throw new Error(`@WithLock on ${where}: key '${metadata.template}': ${problem}`);
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
