import { Inject, Injectable, RequestMethod, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { METHOD_METADATA, PATH_METADATA } from '../compat/nestjs-common.compat.js';
import { throttlerPolicyOf } from '../compat/nestjs-throttler.compat.js';
import { RATE_LIMIT_USE } from './rate-limit.decorator.js';
import { RATE_LIMIT_MODULE_OPTIONS } from './rate-limit.module-definition.js';
import type { RateLimitModuleOptions } from './rate-limit.types.js';

/** A route handler found at boot. */
export interface DiscoveredRoute {
  /** `GET /uploads/sessions` (global prefix and versions aside). */
  name: string;
  classRef: new (...args: never[]) => unknown;
  handler: (...args: unknown[]) => unknown;
}

const joinPath = (...parts: string[]) =>
  '/' +
  parts
    .flatMap((p) => p.split('/'))
    .filter(Boolean)
    .join('/');
const first = (value: unknown) => String([value ?? ''].flat()[0] ?? '');

/**
 * Finds every route at module init (for `GET /rate-limit/status`) and refuses to boot when a route names a
 * policy that does not exist (`@RateLimit('uplod')` would otherwise limit nothing, silently).
 */
@Injectable()
export class RateLimitExplorer implements OnModuleInit {
  readonly routes: DiscoveredRoute[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    @Inject(RATE_LIMIT_MODULE_OPTIONS) private readonly options: RateLimitModuleOptions,
  ) {}

  onModuleInit(): void {
    const known = new Set(this.options.policies.map((p) => p.name));
    for (const wrapper of this.discovery.getControllers()) {
      const classRef = wrapper.metatype as DiscoveredRoute['classRef'] | undefined;
      if (!classRef || !wrapper.instance) continue;
      this.check(classRef, classRef.name, known);
      const base = first(Reflect.getMetadata(PATH_METADATA, classRef));
      const proto = Object.getPrototypeOf(wrapper.instance) as Record<string, DiscoveredRoute['handler']>;
      for (const method of this.scanner.getAllMethodNames(proto)) {
        const handler = proto[method]!;
        const verb = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (verb === undefined) continue;
        this.check(handler, `${classRef.name}.${method}`, known);
        const path = joinPath(base, first(Reflect.getMetadata(PATH_METADATA, handler)));
        this.routes.push({ name: `${RequestMethod[verb]} ${path}`, classRef, handler });
      }
    }
  }

  private check(target: object, where: string, known: Set<string>): void {
    for (const key of Reflect.getMetadataKeys(target) as unknown[]) {
      if (typeof key !== 'string') continue;
      const name = key.startsWith(RATE_LIMIT_USE) ? key.slice(RATE_LIMIT_USE.length) : throttlerPolicyOf(key);
      if (name !== undefined && !known.has(name)) {
        throw new Error(
          `rate limit: ${where} names the policy "${name}", which is not configured (known: ${[...known].join(', ')})`,
        );
      }
    }
  }
}
