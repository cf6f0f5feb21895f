import { Extensions } from '@nestjs/graphql';
import { toMs, type Duration } from '../common/index.js';

/** What a `@CacheControl` tag function sees: the field's arguments, coerced. */
export type CacheControlTags = readonly string[] | ((args: Record<string, unknown>) => readonly string[]);

/** A field's cache hint: how long an operation that selects it may be served from the result cache. */
export interface CacheControlHint {
  /** Freshness (`30s`, `5m`, or ms). The operation's TTL is the lowest hint among the fields it selects. */
  maxAge: Duration;
  /** `PUBLIC`: one entry for every caller; `PRIVATE` (any field) makes the entry the caller's own. */
  scope?: 'PUBLIC' | 'PRIVATE';
  /** Cache tags of the entry (the same tags as REST's @Cacheable, so @CacheEvict drops both). */
  tags?: CacheControlTags;
}

/** A hint as stored in the schema (`field.extensions.cacheControl`). */
export interface ResolvedHint {
  maxAgeMs: number;
  scope: 'PUBLIC' | 'PRIVATE';
  tags?: CacheControlTags;
}

/** Extension key of the hint on fields. */
export const CACHE_CONTROL_EXTENSION = 'cacheControl';

/**
 * Makes an operation that selects this field cacheable as a whole by the operation result cache
 * (`cache:gql:`), for at most `maxAge`. An operation is cached only when every root field it selects has a
 * hint; nested fields may lower the TTL or make it private with their own.
 * @example
 * @Query(() => Car) @CacheControl({ maxAge: '5m', tags: ({ id }) => [`car:${Number(id)}`] })
 * car(@Args('id', { type: () => Int }) id: number) {}
 */
export function CacheControl(hint: CacheControlHint): MethodDecorator & PropertyDecorator {
  const resolved: ResolvedHint = {
    maxAgeMs: toMs(hint.maxAge, { min: 1 }),
    scope: hint.scope ?? 'PUBLIC',
    tags: hint.tags,
  };
  return Extensions({ [CACHE_CONTROL_EXTENSION]: resolved }) as MethodDecorator & PropertyDecorator;
}
