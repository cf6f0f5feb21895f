import { KeyBuilder, type KeyPart } from '../redis/index.js';
import { LockKeyError } from './lock.errors.js';
import type { LockKey, LockKeyContext, LockResource } from './lock.types.js';

const LITERAL = /^[A-Za-z0-9_.-]+$/;
const PLACEHOLDER = /^\{([A-Za-z_$][\w$]*(?:\.[\w$]+)*)\}$/;
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

type Segment = { literal: string } | { path: string[] };

/** Resolves a lock key from a route's request parts or a method's arguments. */
export type KeyResolver = (ctx: LockKeyContext) => string[];

/** Normalises a resource to its key parts, each made safe by `KeyBuilder.part()`. */
export function resourceParts(resource: LockResource): string[] {
  const parts: readonly KeyPart[] = typeof resource === 'string' ? resource.split(':') : resource;
  if (parts.length === 0) throw new Error('a lock resource needs at least one part');
  return parts.map((p) => KeyBuilder.part(p));
}

function parseTemplate(template: string): Segment[] {
  return template.split(':').map((segment) => {
    const placeholder = PLACEHOLDER.exec(segment);
    if (placeholder) {
      const path = placeholder[1]!.split('.');
      if (path.some((p) => FORBIDDEN.has(p))) throw new Error(`lock key ${template}: forbidden path`);
      return { path };
    }
    if (LITERAL.test(segment)) return { literal: KeyBuilder.part(segment) };
    throw new Error(
      `lock key ${template}: each ':' segment must be a literal [A-Za-z0-9_.-]+ or one {path} placeholder`,
    );
  });
}

function read(ctx: LockKeyContext, path: string[]): KeyPart {
  let value: unknown = ctx;
  for (const step of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, step)) {
      value = undefined;
      break;
    }
    value = (value as Record<string, unknown>)[step];
  }
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  throw new LockKeyError(path.join('.'));
}

/** The `{path}` placeholders of a key template, split on `.` (`car:{args.0.carId}` -> [['args','0','carId']]). */
export function templatePaths(key: string): string[][] {
  return parseTemplate(key).flatMap((s) => ('path' in s ? [s.path] : []));
}

/**
 * Checks a template's placeholders against where it is used, at module start: on a route they read
 * `params` (a `:name` of the route path), `query` or `body`; on a service method, `args.<index>` of a
 * declared parameter. A typo then stops the boot instead of failing the first request.
 * @returns what is wrong, or undefined.
 */
export function checkTemplate(
  key: string,
  use: { route: { pathParams: string[] } } | { method: { arity: number } },
): string | undefined {
  for (const path of templatePaths(key)) {
    const [root, first] = path;
    if ('route' in use) {
      if (root === 'params') {
        if (!first || !use.route.pathParams.includes(first))
          return `{${path.join('.')}} is not a parameter of the route path (has: ${use.route.pathParams.map((p) => `:${p}`).join(', ') || 'none'})`;
      } else if (root !== 'query' && root !== 'body') {
        return `{${path.join('.')}}: a route's key reads params, query or body`;
      }
    } else {
      const index = Number(first);
      if (root !== 'args' || !/^\d+$/.test(first ?? '') || index >= use.method.arity)
        return `{${path.join('.')}}: a method's key reads args.<index> of its ${use.method.arity} declared parameter(s)`;
    }
  }
  return undefined;
}

/**
 * Compiles a `@WithLock` key once (templates are checked at decoration time, so a typo fails the boot,
 * not a request). Values read from the context are never pasted raw: `KeyBuilder.part()` keeps short
 * plain values and hashes the rest.
 * @example
 * compileKey('car:{params.carId}')({ params: { carId: '42' } }) // ['car', '42']
 */
export function compileKey(key: LockKey): KeyResolver {
  if (typeof key === 'function') return (ctx) => resourceParts(key(ctx));
  const segments = parseTemplate(key);
  return (ctx) => segments.map((s) => ('literal' in s ? s.literal : KeyBuilder.part(read(ctx, s.path))));
}
