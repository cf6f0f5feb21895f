import {
  Injectable,
  Optional,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { from, lastValueFrom, map, type Observable } from 'rxjs';
import { ApplicationConfig } from '../compat/nestjs-core.compat.js';
import { isBodyNeutral } from '../http/body-neutral.js';
import { httpOf } from '../http/execution.js';
import { Cacheable } from './cache.decorators.js';
import { httpCacheKey } from './cache.http-key.js';
import { safeJsonParse } from './cache.safe-json.js';
import { CacheService } from './cache.service.js';

/**
 * Serves @Cacheable GET handlers from the cache and says how in `X-Cache`. The handler (and its pipes)
 * runs only on a miss or a background refresh; errors are never cached. Other methods pass through
 * with `X-Cache: BYPASS`.
 *
 * An in-memory hit goes out as its stored JSON text (the bytes `res.json` would have written for the
 * value), skipping a parse and a stringify, when nothing around this interceptor could see the
 * difference: every global interceptor outside it is marked `@BodyNeutral()`, and Express serialises
 * JSON plainly (no `json spaces`, `json replacer` or `json escape` setting). Otherwise it answers values.
 */
@Injectable()
export class CacheInterceptor implements NestInterceptor {
  /** Whether hits may go out as text; settled on the first request, when every global is registered. */
  private sendsText?: boolean;

  constructor(
    private readonly reflector: Reflector,
    private readonly cache: CacheService,
    @Optional() private readonly config?: ApplicationConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = httpOf<Request, Response>(context);
    if (!http) return next.handle();
    const options = this.reflector.getAllAndOverride(Cacheable, [context.getHandler(), context.getClass()]);
    if (!options) return next.handle();
    const { req, res } = http;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('X-Cache', 'BYPASS');
      return next.handle();
    }
    const { namespace, key, ctx } = httpCacheKey(options, {
      className: context.getClass().name,
      handler: context.getHandler().name,
      req,
    });
    const tags = typeof options.tags === 'function' ? options.tags(ctx) : options.tags;
    const entry = { namespace, ttl: options.ttl, grace: options.grace, tags, l1: options.l1 };
    const loader = () => lastValueFrom(next.handle(), { defaultValue: undefined });
    // A resolver's value is not the response body: it always goes back as a value.
    const asText = !http.graphql && (this.sendsText ??= this.textIsInvisible(req));
    return from(this.cache.fetch(key, loader, entry, asText ? 'text' : 'value')).pipe(
      map((result) => {
        res.setHeader('X-Cache', result.status);
        if (result.text === undefined) return result.value;
        // A route's own Content-Type (@Header) decides how Express sends a string: answer the value then.
        if (res.getHeader('Content-Type') !== undefined) return safeJsonParse(result.text);
        // A string body keeps this Content-Type through Nest's reply and Express' send.
        res.setHeader('Content-Type', 'application/json; charset=utf-8');
        return result.text;
      }),
    );
  }

  private textIsInvisible(req: Request): boolean {
    if (!this.config || this.config.getGlobalRequestInterceptors().length > 0) return false;
    const globals = this.config.getGlobalInterceptors();
    const index = globals.indexOf(this);
    if (index < 0 || !globals.slice(0, index).every(isBodyNeutral)) return false;
    const app = req.app;
    return (
      app.get('json spaces') === undefined &&
      app.get('json replacer') === undefined &&
      !app.get('json escape')
    );
  }
}
