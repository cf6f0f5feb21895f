// What the platform relies on in @nestjs/core beyond its documented API, in one place. Each export is
// checked by nestjs-core.compat.spec.ts, which fails when a Nest upgrade changes it.

/**
 * The application's configuration, injectable in any provider; the cache interceptor reads the global
 * interceptors registered before it (`getGlobalInterceptors`, `getGlobalRequestInterceptors`) to know
 * whether anything could change a response body after it.
 */
export { ApplicationConfig } from '@nestjs/core';

/**
 * `ExecutionContextHost` (from `@nestjs/core/internal`, the entry point Nest keeps for its sibling
 * packages): an ExecutionContext made by hand, so `GET /rate-limit/status` can plan the guard for
 * every discovered route without a request to it.
 */
export { ExecutionContextHost } from '@nestjs/core/internal';

/**
 * Whether the pipes of `request` rejected it (its handler never ran): the idempotency interceptor then
 * stores no result under the key. Nest 12 marks such a request with a registered symbol.
 */
export { isRejectedByPipes } from '@nestjs/core/internal';
