// What the platform relies on in @nestjs/common beyond its documented API, in one place. Checked by
// nestjs-common.compat.spec.ts, which fails when a Nest upgrade changes it.

/**
 * The reflect-metadata keys under which `@Controller(path)` / `@Get(path)` store a route's path and
 * `@Get` / `@Post` ... its RequestMethod: the rate-limit explorer lists every route at boot with them.
 */
export { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/internal';

/**
 * The reflect-metadata key of `@UseInterceptors` (on a class or a handler, in application order): the
 * cache interceptor checks that every interceptor that runs around it on a route is body-neutral.
 */
export { INTERCEPTORS_METADATA } from '@nestjs/common/internal';

/** The reflect-metadata key of `@Sse()` on a handler: SSE routes keep Nest's interceptor path. */
export { SSE_METADATA } from '@nestjs/common/internal';
