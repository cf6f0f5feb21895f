import { BadRequestException, type INestApplication } from '@nestjs/common';
import type { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyBodyParser, FastifyInstance, FastifyRequest } from 'fastify';
import { parse as parseQuerystring } from 'node:querystring';
import { checkJsonBody, checkQueryAndHeaders, checkUrlencodedBody } from './input-boundary.js';
import { ProblemException } from './problem.js';

/** The `charset` of a Content-Type, lower-cased; `utf-8` when none is given (as body-parser reads it). */
function charsetOf(contentType: string | undefined): string {
  const match = contentType ? /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType) : null;
  return match ? match[1]!.toLowerCase() : 'utf-8';
}

/** The first byte that is not JSON whitespace. */
function firstToken(buf: Buffer): number | undefined {
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return c;
  }
  return undefined;
}

/**
 * The JSON parser, as Express's (body-parser `json()`, strict) answers: an empty body is `{}`, the top
 * level must be an object or an array, a syntax error is a 400 with the parser's message. The raw bytes
 * are checked first (depth, NUL, lone surrogates: `checkJsonBody`), as in Express's `verify` hook.
 */
function jsonParser(maxDepth: number) {
  return (req: FastifyRequest, body: Buffer): unknown => {
    checkJsonBody(body, charsetOf(req.headers['content-type']), maxDepth);
    const first = firstToken(body);
    if (first === undefined) return {};
    if (first !== 0x7b && first !== 0x5b)
      throw new BadRequestException('request body must be a JSON object or array');
    try {
      return JSON.parse(body.toString('utf8')) as unknown;
    } catch (err) {
      throw new BadRequestException((err as Error).message, { cause: err });
    }
  };
}

/** The urlencoded parser, as Express's (`urlencoded({ extended: false })`: node's querystring). */
function urlencodedParser(req: FastifyRequest, body: Buffer): unknown {
  if (charsetOf(req.headers['content-type']) !== 'utf-8')
    throw new ProblemException(415, 'unsupported-media-type', 'Unsupported Media Type', {
      detail: 'urlencoded bodies must be UTF-8',
    });
  checkUrlencodedBody(body);
  return parseQuerystring(body.toString('utf8'), '&', '=', { maxKeys: 1000 });
}

/** A synchronous parser as Fastify's callback parser: the value, or the error it throws. */
function completing(parse: (req: FastifyRequest, body: Buffer) => unknown): FastifyBodyParser<Buffer> {
  return (req, body, done) => {
    let value: unknown;
    try {
      value = parse(req, body);
    } catch (err) {
      done(err as Error, undefined);
      return;
    }
    done(null, value);
  };
}

/**
 * The input boundary on Fastify, the same checks and answers as on Express: the JSON and urlencoded
 * parsers check the raw bytes before parsing, within `BODY_LIMIT_KB` (413 past it); a body of any other
 * type is not read into `body`, as Express leaves it; the query and the headers the app reads are
 * checked in an `onRequest` hook (before routing answers a 404, like Express's middleware). Every
 * refusal goes through Fastify's error handler, which Nest points at the exception filters.
 */
export function applyFastifyInputBoundary(
  app: INestApplication,
  opts: { bodyLimitKb: number; maxDepth: number },
): void {
  const adapter = app.getHttpAdapter() as unknown as FastifyAdapter;
  const instance = adapter.getInstance() as FastifyInstance;
  const bodyLimit = opts.bodyLimitKb * 1024;
  adapter.useBodyParser('application/json', false, { bodyLimit }, completing(jsonParser(opts.maxDepth)));
  adapter.useBodyParser(
    'application/x-www-form-urlencoded',
    false,
    { bodyLimit },
    completing(urlencodedParser),
  );
  // Fastify parses text/plain and refuses unknown types with 415; Express reads neither into `body`.
  instance.removeContentTypeParser('text/plain');
  instance.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_req, _body, done) =>
    done(null, undefined),
  );
  instance.addHook('onRequest', (request, _reply, done) => {
    const problem = checkQueryAndHeaders(request);
    if (problem) done(problem);
    else done();
  });
}
