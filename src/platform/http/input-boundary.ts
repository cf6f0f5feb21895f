import { type CanActivate, type ExecutionContext, type INestApplication, Injectable } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { IncomingMessage } from 'node:http';
import { applyFastifyInputBoundary } from './input-boundary.fastify.js';
import { ProblemException } from './problem.js';

/** Deepest JSON nesting a request body may have: class-transformer recurses once per level. */
export const MAX_JSON_DEPTH = 32;

/** Request headers the app reads; the transport already refuses NUL in headers, this is the backstop. */
const READ_HEADERS = ['idempotency-key', 'x-request-id', 'x-test-hook', 'authorization'] as const;

export const BAD_STRING = 'must not contain NUL characters or unpaired UTF-16 surrogates';

/** True for a string that PostgreSQL, `encodeURI` or a Redis key must not receive. */
export function isBadString(s: string): boolean {
  // isWellFormed (Node 20) is native; the ES2023 lib of tsconfig does not declare it yet.
  return s.includes('\0') || !(s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** The 400 problem of the boundary, naming the field (`body.items.0.name`, `query.make`, `params.id`). */
export function inputProblem(field: string, message: string): ProblemException {
  return new ProblemException(400, 'validation-error', 'Bad Request', {
    detail: `${field}: ${message}`,
    errors: [{ field, messages: [message] }],
  });
}

/** The path of the first bad string (key or value) in a parsed value, depth already bounded. */
export function findBadString(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return isBadString(value) ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = findBadString(value[i], `${path}.${i}`);
      if (bad) return bad;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    // A bad key is named by its position: the key itself cannot be echoed safely.
    if (isBadString(key)) return `${path}.<key>`;
    const bad = findBadString(item, `${path}.${key}`);
    if (bad) return bad;
  }
  return undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function hex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

/**
 * One pass over a raw JSON body: refuses nesting deeper than `maxDepth` before `JSON.parse` and
 * class-transformer see it, and tells whether a `\u` escape could decode to NUL or a surrogate (only
 * then is the parsed body walked for the field's name). Strings are skipped with `indexOf`, so the
 * cost is per structural byte, not per byte.
 * @returns true when the body needs the string walk
 */
export function scanJson(buf: Uint8Array & { indexOf(v: number, from: number): number }, maxDepth: number) {
  let depth = 0;
  let suspicious = false;
  const len = buf.length;
  let nextBackslash = buf.indexOf(BACKSLASH, 0);
  let i = 0;
  while (i < len) {
    const c = buf[i];
    if (c === QUOTE) {
      // Inside a string: jump to its closing quote, stepping over escapes.
      i++;
      for (;;) {
        const q = buf.indexOf(QUOTE, i);
        if (q === -1) return suspicious; // unterminated: JSON.parse will refuse it
        if (nextBackslash !== -1 && nextBackslash < i) nextBackslash = buf.indexOf(BACKSLASH, i);
        if (nextBackslash === -1 || nextBackslash > q) {
          i = q + 1;
          break;
        }
        const e = nextBackslash;
        if (buf[e + 1] === 0x75) {
          const h0 = hex(buf[e + 2]);
          const h1 = hex(buf[e + 3]);
          // \u0000 or \uD800-\uDFFF (a pair is fine; the walk tells which)
          if (
            (h0 === 0 && h1 === 0 && hex(buf[e + 4]) === 0 && hex(buf[e + 5]) === 0) ||
            (h0 === 13 && h1 >= 8)
          )
            suspicious = true;
        }
        i = e + 2;
        nextBackslash = buf.indexOf(BACKSLASH, i);
      }
      continue;
    }
    if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth)
        throw inputProblem('body', `must not be nested more than ${maxDepth} levels deep`);
    } else if (c === 0x5d || c === 0x7d) depth--;
    i++;
  }
  return suspicious;
}

/**
 * The check of a raw JSON body, before parsing (either adapter's parser): depth limit and string check.
 * @param encoding the charset of the Content-Type (`utf-8` when none is given)
 */
export function checkJsonBody(buf: Buffer, encoding: string, maxDepth: number): void {
  // The byte scan assumes UTF-8, which RFC 8259 requires between systems anyway.
  if (encoding !== 'utf-8')
    throw new ProblemException(415, 'unsupported-media-type', 'Unsupported Media Type', {
      detail: 'JSON bodies must be UTF-8',
    });
  if (!scanJson(buf, maxDepth)) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(buf.toString('utf8'));
  } catch {
    return; // the parser answers the syntax error
  }
  const bad = findBadString(parsed, 'body');
  if (bad) throw inputProblem(bad, BAD_STRING);
}

/** body-parser `verify` hook of the JSON parser: depth limit and string check before parsing. */
function verifyJson(maxDepth: number) {
  return (_req: IncomingMessage, _res: unknown, buf: Buffer, encoding: string): void =>
    checkJsonBody(buf, encoding, maxDepth);
}

/** The check of a raw urlencoded body (the `verify` hook on Express): `%00` is the only way in for NUL. */
export function checkUrlencodedBody(buf: Buffer): void {
  if (buf.indexOf('%00') === -1 && buf.indexOf(0) === -1) return;
  for (const [key, value] of new URLSearchParams(buf.toString('latin1'))) {
    if (isBadString(key)) throw inputProblem('body.<key>', BAD_STRING);
    if (isBadString(value)) throw inputProblem(`body.${key}`, BAD_STRING);
  }
}

function verifyUrlencoded(_req: IncomingMessage, _res: unknown, buf: Buffer): void {
  checkUrlencodedBody(buf);
}

/**
 * The pre-routing check of the query string and of the headers the app reads, on either adapter (both
 * give `url`, the parsed `query` and `headers`): the problem to answer, or undefined.
 */
export function checkQueryAndHeaders(req: {
  url: string;
  query: unknown;
  headers: Record<string, string | string[] | undefined>;
}): ProblemException | undefined {
  // Only a percent-escape can put NUL or a replacement of bad bytes into a decoded query value.
  const q = req.url.indexOf('?');
  if (q !== -1 && req.url.indexOf('%', q) !== -1) {
    const bad = findBadString(req.query, 'query');
    if (bad) return inputProblem(bad, BAD_STRING);
  }
  for (const name of READ_HEADERS) {
    const v = req.headers[name];
    if (typeof v === 'string' && isBadString(v)) return inputProblem(`headers.${name}`, BAD_STRING);
  }
  return undefined;
}

/**
 * Global guard: route parameters exist only once the route matched. Registered with
 * `useGlobalGuards`, so no route can leave it out.
 */
@Injectable()
export class ParamsBoundaryGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const params = context.switchToHttp().getRequest<Request>().params as Record<string, unknown> | undefined;
    if (params) {
      for (const key in params) {
        const v = params[key];
        if (typeof v === 'string' && isBadString(v)) throw inputProblem(`params.${key}`, BAD_STRING);
      }
    }
    return true;
  }
}

/**
 * The one input boundary of every route, present and future: body parsers (registered here, with the
 * app's `bodyParser: false`) with a depth limit and a
 * string check in their `verify` hook, the query and read headers before routing, the route
 * parameters in a global guard. Every failure is a 400 problem+json naming the field. On Fastify the
 * same checks run in its content-type parsers and an `onRequest` hook (input-boundary.fastify.ts).
 * @example applyInputBoundary(app, { bodyLimitKb: 100 });
 */
export function applyInputBoundary(
  app: INestApplication,
  opts: { bodyLimitKb: number; maxDepth?: number },
): void {
  const maxDepth = opts.maxDepth ?? MAX_JSON_DEPTH;
  if (app.getHttpAdapter().getType() === 'fastify') {
    applyFastifyInputBoundary(app, { bodyLimitKb: opts.bodyLimitKb, maxDepth });
    app.useGlobalGuards(new ParamsBoundaryGuard());
    return;
  }
  const json = express.json({ limit: `${opts.bodyLimitKb}kb`, verify: verifyJson(maxDepth) });
  const urlencoded = express.urlencoded({
    extended: false,
    limit: `${opts.bodyLimitKb}kb`,
    verify: verifyUrlencoded,
  });
  // One middleware for the query and header checks and both parsers (each layer of Express's router costs
  // every request a match and a dispatch): a request without a body (most GETs) skips the parsers at once
  // instead of going through two content-type checks.
  app.use(function inputBoundary(req: Request, res: Response, next: NextFunction): void {
    const refused = checkQueryAndHeaders(req);
    if (refused) return next(refused);
    if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
      return next();
    }
    json(req, res, (err?: unknown) => (err ? next(err) : urlencoded(req, res, next)));
  });
  app.useGlobalGuards(new ParamsBoundaryGuard());
}
