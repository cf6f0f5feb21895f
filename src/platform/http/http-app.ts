import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { IEntryNestModule } from '@nestjs/core/nest-factory.js';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import type { Express } from 'express';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createServer, IncomingMessage, ServerResponse, type ServerOptions } from 'node:http';
import type { HttpAdapterName } from './adapter.js';
import { requestIdOf } from './request-context.js';
import { statusTitle, statusType } from './problem.js';

/** What the choice of adapter needs from the HTTP settings (see `httpConfig`). */
export interface HttpAppSettings {
  adapter: HttpAdapterName;
  /** Proxy hops whose `X-Forwarded-For` is believed (`TRUST_PROXY`): the same rule on both adapters. */
  trustProxy: number;
  bodyLimitKb: number;
}

/**
 * Node's request and response classes for `app`'s server, with Express's prototypes (`app.request`,
 * `app.response`) from the start. Express sets them on every request (`Object.setPrototypeOf` in
 * `app.handle`), and changing a live object's prototype is slow in V8: a minimal Express app served
 * half the requests, allocated 1.6 times the memory per request, and 27 % of its allocations outlived a
 * scavenge (0.2 % once the prototypes are already right, as `setPrototypeOf` to the same prototype does
 * nothing).
 *
 * They are classes deriving from Node's, whose prototypes become `app.request` / `app.response` (with
 * what Express put on its own: `app`), not plain functions given Express's objects as `prototype`: V8
 * sizes a derived class's objects for its whole constructor chain, while a function that only calls
 * `ServerResponse` got objects sized for none of its 40-odd fields, and past 12 added fields V8 turns an
 * object into a dictionary. Every response was then a dictionary-mode object.
 */
export function expressServerClasses(
  app: Express,
): Pick<ServerOptions, 'IncomingMessage' | 'ServerResponse'> {
  class ExpressIncomingMessage extends IncomingMessage {}
  class ExpressServerResponse<Req extends IncomingMessage = IncomingMessage> extends ServerResponse<Req> {}
  const holder = app as unknown as { request: object; response: object };
  holder.request = adopt(ExpressIncomingMessage.prototype, holder.request);
  holder.response = adopt(ExpressServerResponse.prototype, holder.response);
  return { IncomingMessage: ExpressIncomingMessage, ServerResponse: ExpressServerResponse };
}

/** Makes `proto` stand in for Express's `current` (`Object.create(express.request, { app })`): same parent, same own properties. */
function adopt(proto: object, current: object): object {
  Object.setPrototypeOf(proto, Object.getPrototypeOf(current) as object);
  for (const key of Reflect.ownKeys(current)) {
    Object.defineProperty(proto, key, Object.getOwnPropertyDescriptor(current, key)!);
  }
  return proto;
}

/** Nest's Express adapter, serving over a server made with `expressServerClasses`. */
class ExpressPrototypeAdapter extends ExpressAdapter {
  override initHttpServer(options: NestApplicationOptions): void {
    // HTTPS and Nest's connection options stay on the adapter's own path (the app uses neither).
    if (options?.httpsOptions || options?.return503OnClosing || options?.forceCloseConnections) {
      return super.initHttpServer(options);
    }
    const app = this.getInstance<Express>();
    this.setHttpServer(createServer(expressServerClasses(app), app));
  }
}

/**
 * Creates the Nest application on the chosen HTTP adapter with what differs between them set once here:
 * Express without `X-Powered-By` and with `trust proxy` hops; Fastify with the same rule (both use
 * proxy-addr: hop `i` is trusted when `i < TRUST_PROXY`, so `req.ip` comes out the same), the body limit
 * and Express's routing rules (a trailing slash and the case of a path do not matter). Body parsers are
 * the input boundary's (`applyInputBoundary`), on both. Fastify is loaded only when chosen.
 * @example const app = await createHttpApp(AppModule, httpConfig(), { bufferLogs: true });
 */
export async function createHttpApp(
  module: IEntryNestModule,
  http: HttpAppSettings,
  options: NestApplicationOptions = {},
): Promise<INestApplication> {
  const opts = { ...options, bodyParser: false };
  if (http.adapter === 'fastify') {
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    const hops = http.trustProxy;
    const adapter = new FastifyAdapter({
      // Not the number itself: Fastify 5 trusts no hop for a number (it cannot check the peer), while
      // Express trusts `hops` of them. Express's own rule, as a function, gives the same `req.ip`.
      trustProxy: hops > 0 ? (_address: string, hop: number) => hop < hops : false,
      bodyLimit: http.bodyLimitKb * 1024,
      routerOptions: { ignoreTrailingSlash: true, caseSensitive: false },
      // Fastify's own request id (its router's errors below carry it) follows the `X-Request-Id` rule;
      // every other answer carries requestContext's, set on Node's request.
      genReqId: requestIdOf,
      // Fastify's router refuses a malformed URL (400) or an over-long parameter (414) before any hook
      // or error handler of the app: answered here in the same problem+json as every other error.
      frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
        const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 400;
        const problem = {
          type: statusType(status),
          title: statusTitle(status),
          status,
          detail: error.message,
          instance: `urn:request:${request.id}`,
        };
        reply
          .code(status)
          .header('X-Request-Id', request.id)
          .type('application/problem+json; charset=utf-8')
          .send(JSON.stringify(problem));
      },
    });
    return NestFactory.create(module, adapter, opts);
  }
  const app = await NestFactory.create<NestExpressApplication>(module, new ExpressPrototypeAdapter(), opts);
  app.disable('x-powered-by');
  app.set('trust proxy', http.trustProxy);
  return app;
}

/**
 * Mounts a Node-level middleware ahead of the app's own (the request context: request id, access log,
 * duration metric). On Express it is `app.use`; on Fastify an `onRequest` hook that hands it Node's
 * request and response, with the matched route template where Express keeps it (`req.route.path`), so
 * the middleware reads both adapters the same way.
 */
export function useFirstMiddleware<Req extends IncomingMessage>(
  app: INestApplication,
  middleware: (req: Req, res: ServerResponse, next: () => void) => void,
): void {
  if (app.getHttpAdapter().getType() !== 'fastify') {
    app.use(middleware);
    return;
  }
  const instance = app.getHttpAdapter().getInstance() as FastifyInstance;
  instance.addHook('onRequest', (request, reply, done) => {
    const raw = request.raw as Req & { route?: { path?: string } };
    raw.route = { path: request.routeOptions.url };
    middleware(raw, reply.raw, done);
  });
}
