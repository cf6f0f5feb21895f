import 'reflect-metadata';

const BODY_NEUTRAL = Symbol.for('nest-redis-platform:body-neutral');

/**
 * Marks an interceptor class that never reads, replaces or mutates response bodies (timing, headers,
 * logging). `@Cacheable` sends an in-memory hit as its stored JSON text, skipping a parse and a
 * stringify, only when every interceptor around it carries this mark.
 * @example
 * @BodyNeutral() @Injectable() export class TimingInterceptor implements NestInterceptor { ... }
 */
export function BodyNeutral(): ClassDecorator {
  return (target) => Reflect.defineMetadata(BODY_NEUTRAL, true, target);
}

/** True when `interceptor` (an instance, or a class as `@UseInterceptors` lists it) is marked with {@link BodyNeutral}. */
export function isBodyNeutral(interceptor: unknown): boolean {
  const ctor =
    typeof interceptor === 'function'
      ? interceptor
      : (interceptor as { constructor?: object } | null)?.constructor;
  return ctor !== undefined && Reflect.getMetadata(BODY_NEUTRAL, ctor) === true;
}
