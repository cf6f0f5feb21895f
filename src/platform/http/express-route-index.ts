import express, { type NextFunction, type Request, type Response } from 'express';

/** What the index reads of an Express 5 router layer (the `router` package's `Layer`). */
interface RouterLayer {
  route?: { path: unknown; methods: Record<string, boolean | undefined> };
}

/** The part of Express 5's app router the index rewrites. */
interface AppRouter {
  stack: RouterLayer[];
  params: Record<string, unknown>;
}

/** Runs of route layers shorter than this are left as they are: the walk is already short. */
const MIN_RUN = 8;

/** A first path segment of a route that path-to-regexp reads literally (no `:`, `*`, `{`, `\`...). */
const STATIC_SEGMENT = /^[A-Za-z0-9._~$&',;=@-]*$/;

/**
 * A request's first segment the index may look up: printable ASCII without `%` or `\` (parseurl may
 * turn `\` into `/`). Any other segment runs through the whole run, as before.
 */
const LOOKUP_SEGMENT = /^[\x21-\x24\x26-\x5b\x5d-\x7e]*$/;

/** The first segment of a route's path when it is static (`/bench/locked/:id` → `bench`), else undefined. */
function staticFirstSegment(path: unknown): string | undefined {
  if (typeof path !== 'string' || path[0] !== '/') return undefined;
  const end = path.indexOf('/', 1);
  const segment = path.slice(1, end < 0 ? path.length : end);
  return STATIC_SEGMENT.test(segment) ? segment : undefined;
}

/** A route the index may move into a group: one string path, not answering OPTIONS or every method. */
function indexable(layer: RouterLayer): boolean {
  const route = layer.route;
  return !!route && typeof route.path === 'string' && !route.methods._all && !route.methods.options;
}

/** A router holding `layers` as they are (compiled, in their order), to run like the app router would. */
function groupOf(layers: RouterLayer[]): express.Router {
  const router = express.Router();
  (router as unknown as { stack: RouterLayer[] }).stack = layers;
  return router;
}

/** A route layer as the router package made it: its `match` (may throw on a bad escape) and route. */
interface MatchingLayer extends RouterLayer {
  match(path: string): unknown;
}

/**
 * The dispatcher layer that replaces a run of route layers. Its `match` receives the request's path as
 * the app router parsed it and picks the routes of the run that can match it: those of its first
 * segment and those whose first segment is a parameter. Its handler, which the router calls next (in
 * the same tick), runs them in their original order through a router of their own. A request that
 * nothing there answers goes on to the app router's next layer, as before.
 */
function dispatcherLayer(run: RouterLayer[], caseSensitive: boolean): RouterLayer {
  const keyOf = (layer: RouterLayer): string | undefined => {
    const s = staticFirstSegment(layer.route!.path);
    return s === undefined || caseSensitive ? s : s.toLowerCase();
  };
  const entry = (layers: RouterLayer[]) => ({ layers, router: groupOf(layers) });
  const keys = new Set(run.map(keyOf).filter((k) => k !== undefined));
  // Each segment's routes with the parameter-first ones, in the run's order.
  const byKey = new Map(
    [...keys].map((k) => [k, entry(run.filter((l) => [undefined, k].includes(keyOf(l))))]),
  );
  const full = entry(run);
  const dynamicOnly = entry(run.filter((l) => keyOf(l) === undefined));

  let picked = full;
  let pickedPath = '';
  const pick = (path: string) => {
    if (path[0] !== '/') return full;
    const end = path.indexOf('/', 1);
    const segment = path.slice(1, end < 0 ? path.length : end);
    // Only a plain ASCII segment is looked up: lower-casing it is then exactly the routes' `i` match.
    if (!LOOKUP_SEGMENT.test(segment)) return full;
    return byKey.get(caseSensitive ? segment : segment.toLowerCase()) ?? dynamicOnly;
  };

  const holder = express.Router();
  holder.use(function routeIndex(req: Request, res: Response, next: NextFunction): void {
    const { layers, router } = picked;
    const path = pickedPath;
    picked = full;
    if (req.method === 'OPTIONS') {
      // None of these routes answers OPTIONS (see `indexable`): the walk only matched them, and a
      // malformed escape in a parameter made that match throw; its router would answer the OPTIONS.
      try {
        for (const layer of layers as MatchingLayer[]) layer.match(path);
      } catch (err) {
        return next(err);
      }
      return next();
    }
    if (layers.length === 0) return next();
    router(req, res, next);
  });
  const layer = (holder as unknown as { stack: MatchingLayer[] }).stack[0];
  const matchSlash = layer.match.bind(layer);
  // A `use` layer at '/': matches every path, strips nothing; the path is kept for the handler.
  layer.match = (path: string) => {
    picked = pick(path);
    pickedPath = path;
    return matchSlash(path);
  };
  return layer;
}

/**
 * Express walks its router's layers one by one on each request: in this app over 50 route layers
 * before a route near the end. Profiles of one build put that walk at 2 µs per request in some processes
 * and at over 30 µs in others (the router's loop and each layer's `match` then run unoptimised); behind
 * the index it passes about 5 layers. After the app has registered its routes, each long run of route
 * layers is replaced by one dispatcher that looks the routes up by first path segment, then runs them through
 * Express's own router, so matching, parameters, HEAD, `req.route` and errors behave exactly as
 * before. Left as they are: `use` middleware and its order, routes for every method or OPTIONS, runs
 * shorter than 8, and apps with `app.param()` handlers (those run per router). Express only; call it
 * once, after `app.init()`.
 * @returns how many route layers were moved behind a dispatcher.
 * @example await app.init(); indexExpressRoutes(app.getHttpAdapter().getInstance());
 */
export function indexExpressRoutes(instance: express.Express, minRun = MIN_RUN): number {
  const router = (instance as unknown as { router?: AppRouter }).router;
  if (!router || Object.keys(router.params).length > 0) return 0;
  const caseSensitive = instance.enabled('case sensitive routing');
  const stack = router.stack;
  const out: RouterLayer[] = [];
  let moved = 0;
  for (let i = 0; i < stack.length;) {
    if (!indexable(stack[i])) {
      out.push(stack[i++]);
      continue;
    }
    let j = i;
    while (j < stack.length && indexable(stack[j])) j++;
    const run = stack.slice(i, j);
    if (run.length < minRun) out.push(...run);
    else {
      out.push(dispatcherLayer(run, caseSensitive));
      moved += run.length;
    }
    i = j;
  }
  stack.splice(0, stack.length, ...out);
  return moved;
}
