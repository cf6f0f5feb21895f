import DataLoader from 'dataloader';

const loaders = new WeakMap<object, Map<string, DataLoader<unknown, unknown>>>();

/**
 * The DataLoader `name` of one GraphQL request (its context object), created on first use: every field
 * of the request that asks for keys in the same tick shares one batch, and nothing is kept after the
 * request (no cross-request, cross-principal memo).
 * @example
 * const cars = loaderOf(ctx, 'carsById', (ids: readonly number[]) => repo.findMany(ids).then(...));
 */
export function loaderOf<K, V>(
  context: object,
  name: string,
  batch: DataLoader.BatchLoadFn<K, V>,
): DataLoader<K, V> {
  let byName = loaders.get(context);
  if (!byName) loaders.set(context, (byName = new Map()));
  let loader = byName.get(name) as DataLoader<K, V> | undefined;
  if (!loader) {
    loader = new DataLoader<K, V>(batch, { maxBatchSize: 100 });
    byName.set(name, loader as DataLoader<unknown, unknown>);
  }
  return loader;
}
