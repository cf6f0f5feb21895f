import type { OpenAPIObject } from '@nestjs/swagger';

/** The answers any operation can give whatever its controller says, and why. */
const COMMON: Record<string, string> = {
  '400': 'invalid input (validation, the input boundary, malformed JSON)',
  '401': 'invalid credentials',
  '404': 'not found (or not yours)',
  '408': 'the request was not received in time',
  '413': 'the request body is too large',
  '415': 'unsupported media type or charset',
  '429': 'a rate limit was exceeded (Retry-After)',
  '503': 'Redis or the database is unavailable, or Redis is out of memory (Retry-After)',
};

/**
 * Declares in the OpenAPI document what every route may answer besides its own responses: RFC 9457
 * problem documents for the common 4xx and 503, with their schema, so the document is a contract that
 * clients can generate code from and the fuzzer (test/fuzz) can hold the API to.
 */
export function declareProblemResponses(document: OpenAPIObject): OpenAPIObject {
  document.components ??= {};
  document.components.schemas ??= {};
  document.components.schemas.Problem = {
    type: 'object',
    required: ['type', 'title', 'status'],
    properties: {
      type: { type: 'string' },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
      instance: { type: 'string' },
      errors: {
        type: 'array',
        items: {
          type: 'object',
          properties: { field: { type: 'string' }, messages: { type: 'array', items: { type: 'string' } } },
        },
      },
    },
  };
  const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const op = item[method];
      if (!op) continue;
      for (const [status, description] of Object.entries(COMMON)) {
        const own = op.responses[status] as { description?: string; content?: object } | undefined;
        op.responses[status] = { description: own?.description ?? description, content: problem };
      }
      // Conflicts (lock busy, idempotency in progress, too many boards) and 422 (idempotency key reuse)
      // are declared where a route says so; problem+json is their body whatever the decorator wrote.
      for (const status of ['409', '422']) {
        const own = op.responses[status] as { description?: string } | undefined;
        if (own) op.responses[status] = { description: own.description ?? status, content: problem };
      }
    }
  }
  return document;
}
