import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The seam between the platform and the HTTP adapter (`HTTP_ADAPTER`: express | fastify). Guards,
 * interceptors and filters get the adapter's own objects from `switchToHttp()`: Express's `req`/`res`
 * (which are Node's IncomingMessage/ServerResponse), or Fastify's `request`/`reply` (which wrap them
 * as `raw`). Everything that touches them goes through these functions, so no other file branches on
 * the adapter. Each is one property check: the hot path pays nothing measurable.
 */

/** The HTTP adapters the app can run on. */
export type HttpAdapterName = 'express' | 'fastify';

/** The adapters, in the order the README lists them (the first is the default). */
export const HTTP_ADAPTERS: readonly HttpAdapterName[] = ['express', 'fastify'];

/** A response of either adapter: what the seam needs of Express's `res` or Fastify's `reply`. */
export interface AnyResponse {
  /** Fastify's reply: the Node response it wraps. */
  raw?: ServerResponse;
  statusCode: number;
  status(code: number): unknown;
  getHeader(name: string): unknown;
}

type FastifyReplyLike = AnyResponse & {
  raw: ServerResponse;
  header(name: string, value: string | number | readonly string[]): unknown;
  getHeaders(): Record<string, unknown>;
  hijack(): unknown;
};

/** A request of either adapter. */
export type AnyRequest = object;

/** Node's response under the adapter's response object (for events, streams and raw writes). */
export function rawResponse(res: object): ServerResponse {
  return (res as { raw?: ServerResponse }).raw ?? (res as ServerResponse);
}

/** Node's request under the adapter's request object. */
export function rawRequest(req: object): IncomingMessage {
  return (req as { raw?: IncomingMessage }).raw ?? (req as IncomingMessage);
}

/**
 * Sets a response header. On Fastify it goes to the reply (`reply.header`), which is what Fastify
 * merges into the head it writes and reads to choose how to serialise a body (Content-Type).
 */
export function setHeader(res: object, name: string, value: string | number | readonly string[]): void {
  if ((res as { raw?: unknown }).raw !== undefined) (res as FastifyReplyLike).header(name, value);
  else (res as ServerResponse).setHeader(name, value);
}

/** A response header as set so far (by the route, a guard or an interceptor). */
export function getHeader(res: object, name: string): unknown {
  return (res as AnyResponse).getHeader(name);
}

/** Sets the response status (both adapters call it `status`). */
export function setStatus(res: object, status: number): void {
  (res as AnyResponse).status(status);
}

/** The request path without the query string (`req.path` on Express). */
export function requestPath(req: object): string {
  const path = (req as { path?: unknown }).path;
  if (typeof path === 'string') return path;
  const url = (req as { url?: string }).url ?? '';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** The URL as the client sent it, query included (`req.originalUrl` on both adapters). */
export function originalUrlOf(req: object): string {
  return (req as { originalUrl?: string }).originalUrl ?? rawRequest(req).url ?? '';
}

/** The request headers as the client sent them, names and values alternating (duplicates kept). */
export function rawHeadersOf(req: object): string[] {
  return rawRequest(req).rawHeaders;
}

/**
 * The matched route's template (`/cars/:id`), never the raw URL; undefined when no route matched.
 * Express keeps it on `req.route.path`, Fastify on `request.routeOptions.url`.
 */
export function routeTemplateOf(req: object): string | undefined {
  const express = (req as { route?: { path?: unknown } }).route?.path;
  if (typeof express === 'string') return express;
  const fastify = (req as { routeOptions?: { url?: unknown } }).routeOptions?.url;
  return typeof fastify === 'string' ? fastify : undefined;
}

/**
 * Takes the response over for a stream the route writes itself (SSE): on Fastify the reply is hijacked,
 * so Fastify neither sends nor logs a response of its own, and the headers already set on the reply
 * (rate-limit headers from the guard) are copied to the Node response first. Returns the Node response.
 */
export function takeOverResponse(res: object): ServerResponse {
  const reply = res as FastifyReplyLike;
  if (reply.raw === undefined) return res as ServerResponse;
  reply.hijack();
  const raw = reply.raw;
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) raw.setHeader(name, value as string | number | readonly string[]);
  }
  raw.statusCode = reply.statusCode;
  return raw;
}
