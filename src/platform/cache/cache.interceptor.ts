import { Injectable, Optional, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { INTERCEPTORS_METADATA } from '../compat/nestjs-common.compat.js';
import { ApplicationConfig } from '../compat/nestjs-core.compat.js';
import { getHeader, setHeader } from '../http/adapter.js';
import { AroundInterceptor, type Next } from '../http/around.interceptor.js';
import { isBodyNeutral } from '../http/body-neutral.js';
import { httpOf } from '../http/execution.js';
import { CacheableMetadata as Cacheable } from './cache.metadata.js';
import { httpCacheKey } from './cache.http-key.js';
import { safeJsonParse } from './cache.safe-json.js';
import { CacheService } from './cache.service.js';

/** The request as this interceptor reads it (Express's or Fastify's; `app` is Express's only). */
type HttpRequest = Parameters<typeof httpCacheKey>[1]['req'] & {
  method: string;
  app?: { get(name: string): unknown };
};

/** What the route answers for a hit's JSON text: the text itself, sent as JSON, unless the route set its own type. */
function sendable(res: object, text: string): unknown {
  // A route's own Content-Type (@Header) decides how Express sends a string: answer the value then.
  if (getHeader(res, 'Content-Type') !== undefined) return safeJsonParse(text);
  // A string body keeps this Content-Type through Nest's reply and Express' or Fastify's send.
  setHeader(res, 'Content-Type', 'application/json; charset=utf-8');
  return text;
}

/**
 * Per application (its ApplicationConfig) and handler: whether the handler's hits go out as text,
 * settled on its first request, once every global interceptor is registered.
 */
const sendsText = new WeakMap<object, WeakMap<object, boolean>>();

/** Whether `handler`'s in-memory hits go out as stored JSON text in the app (undefined before its first request). */
export function hitsGoOutAsText(config: ApplicationConfig, handler: object): boolean | undefined {
  return sendsText.get(config)?.get(handler);
}

/**
 * Serves @Cacheable GET handlers from the cache and says how in `X-Cache`. The handler (and its pipes)
 * runs only on a miss or a background refresh; errors are never cached. Other methods pass through
 * with `X-Cache: BYPASS`.
 *
 * An in-memory hit goes out as its stored JSON text (the bytes `res.json` would have written for the
 * value), skipping a parse and a stringify, when nothing around this interceptor could see the
 * difference: every interceptor outside it (global, the controller's, the handler's listed before
 * `@Cacheable`) is marked `@BodyNeutral()`, and Express serialises
 * JSON plainly (no `json spaces`, `json replacer` or `json escape` setting). Otherwise it answers values.
 */
@Injectable()
export class CacheInterceptor extends AroundInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly cache: CacheService,
    @Optional() private readonly config?: ApplicationConfig,
  ) {
    super();
  }

  around(context: ExecutionContext, next: Next): unknown {
    const http = httpOf<HttpRequest, object>(context);
    if (!http) return next();
    const options = this.reflector.getAllAndOverride(Cacheable, [context.getHandler(), context.getClass()]);
    if (!options) return next();
    const { req, res } = http;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      setHeader(res, 'X-Cache', 'BYPASS');
      return next();
    }
    const { namespace, key, ctx } = httpCacheKey(options, {
      className: context.getClass().name,
      handler: context.getHandler().name,
      req,
    });
    const entry = { namespace, ttl: options.ttl, grace: options.grace, l1: options.l1 };
    const handler = context.getHandler();
    const decided = this.decided();
    // A resolver's value is not the response body: it always goes back as a value.
    let text = http.graphql ? false : decided.get(handler);
    if (text === undefined) {
      text = this.textIsInvisible(req, handler, context.getClass());
      decided.set(handler, text);
    }
    if (text) {
      const hit = this.cache.hitText(key, entry);
      if (hit !== undefined) {
        setHeader(res, 'X-Cache', 'HIT');
        return sendable(res, hit);
      }
    }
    // Tags and the loader only matter when the entry may be (re)written.
    const tags = typeof options.tags === 'function' ? options.tags(ctx) : options.tags;
    return this.cache.fetch(key, next, { ...entry, tags }, text ? 'text' : 'value').then((result) => {
      setHeader(res, 'X-Cache', result.status);
      return result.text === undefined ? result.value : sendable(res, result.text);
    });
  }

  private decisions?: WeakMap<object, boolean>;

  private decided(): WeakMap<object, boolean> {
    if (this.decisions) return this.decisions;
    const scope = this.config ?? this;
    let map = sendsText.get(scope);
    if (!map) sendsText.set(scope, (map = new WeakMap()));
    return (this.decisions = map);
  }

  /** Every interceptor around this one on the route (global, class, then the handler's before it) is body-neutral. */
  private textIsInvisible(req: HttpRequest, handler: object, controller: object): boolean {
    if (!this.config || this.config.getGlobalRequestInterceptors().length > 0) return false;
    const own = (target: object) =>
      (Reflect.getMetadata(INTERCEPTORS_METADATA, target) as unknown[] | undefined) ?? [];
    const onHandler = own(handler);
    const mine = onHandler.findIndex((i) => i === CacheInterceptor || i === this);
    const outside = [...this.config.getGlobalInterceptors(), ...own(controller), ...onHandler.slice(0, mine)];
    if (mine < 0 || !outside.every(isBodyNeutral)) return false;
    const app = req.app;
    // Fastify (no `app` on its request) serialises a value without a route schema with JSON.stringify.
    if (app === undefined) return true;
    return (
      app.get('json spaces') === undefined &&
      app.get('json replacer') === undefined &&
      !app.get('json escape')
    );
  }
}
