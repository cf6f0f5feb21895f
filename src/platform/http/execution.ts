import type { ExecutionContext } from '@nestjs/common';

/** Metadata @nestjs/graphql's `@Resolver()` sets on its classes (read without importing the package). */
const RESOLVER_NAME_METADATA = 'graphql:resolver_name';

/** The request and response a guard, interceptor or parameter decorator works with. */
export interface HttpCall<Req = object, Res = unknown> {
  /** The HTTP request, or for a resolver call a per-call view of it (see {@link httpOf}). */
  req: Req;
  /** The HTTP response (Express `Response`, Fastify `FastifyReply`). */
  res: Res;
  /** True for a resolver call. */
  graphql: boolean;
}

/** Resolver info, as much of it as the view needs (graphql's GraphQLResolveInfo). */
interface ResolveInfo {
  fieldName: string;
  parentType: { name: string };
  operation: { operation: 'query' | 'mutation' | 'subscription' };
}

/** One view per resolver call: guards, interceptors and parameter decorators of that call share it. */
const views = new WeakMap<object, HttpCall<object, unknown>>();

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/**
 * The one place where route behaviour learns about its transport. For an HTTP route: its request and
 * response. For a GraphQL resolver call (context type `graphql`, arguments `[root, args, context, info]`):
 * the response of the GraphQL request and a per-call view of its request, an object whose prototype is
 * the request (headers, principal, client IP, Express getters read through) with what route keys read
 * from a route replaced by the resolver's:
 * - `params`: the scalar arguments, as strings (`car(id: 42)` -> `{ id: '42' }`);
 * - `query`: the other arguments (input objects, lists);
 * - `body`: every argument, as given (`createBooking(input: {...})` -> `{ input: {...} }`);
 * - `method`: `GET` in a query, `POST` in a mutation (a cached query, an idempotent mutation);
 * - `originalUrl`: `<path>/<Type>/<field>`, so two fields of one request never share a target.
 * Markers the interceptors leave (`REQUEST_LOCK`, the idempotency context) land on the view, so two root
 * fields of one request never see each other's. Other context types: undefined.
 * @example
 * const http = httpOf(context);
 * if (!http) return next.handle();
 */
export function httpOf<Req = object, Res = unknown>(
  context: ExecutionContext,
): HttpCall<Req, Res> | undefined {
  const type = context.getType<string>();
  if (type === 'http') {
    // What switchToHttp() reads (arguments 0 and 1), without the three closures it makes on every call:
    // every guard and interceptor of every request comes through here.
    return { req: context.getArgByIndex<Req>(0), res: context.getArgByIndex<Res>(1), graphql: false };
  }
  if (type !== 'graphql') return undefined;
  const info = context.getArgByIndex<ResolveInfo | undefined>(3);
  const gql = context.getArgByIndex<{ req?: object; res?: Res } | undefined>(2);
  if (!info || !gql?.req) return undefined;
  let call = views.get(info);
  if (!call) {
    const args = (context.getArgByIndex<Record<string, unknown> | undefined>(1) ?? {}) as Record<
      string,
      unknown
    >;
    const params: Record<string, string> = {};
    const query: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(args)) {
      if (value === undefined) continue;
      if (isScalar(value)) params[name] = String(value);
      else query[name] = value;
    }
    const base = (gql.req as { originalUrl?: string; url?: string }).originalUrl ?? '/graphql';
    const view = Object.create(gql.req, {
      params: { value: params, writable: true },
      query: { value: query, writable: true },
      body: { value: args, writable: true },
      method: { value: info.operation.operation === 'query' ? 'GET' : 'POST', writable: true },
      originalUrl: { value: `${base.split('?')[0]}/${info.parentType.name}/${info.fieldName}` },
    }) as object;
    call = { req: view, res: gql.res, graphql: true };
    views.set(info, call);
  }
  return call as unknown as HttpCall<Req, Res>;
}

/** True for a `@Resolver()` class: explorers leave its methods to the interceptors, as a controller's. */
export function isResolverClass(classRef: unknown): boolean {
  return typeof classRef === 'function' && Reflect.hasMetadata(RESOLVER_NAME_METADATA, classRef);
}
