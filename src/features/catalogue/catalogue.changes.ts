import type { CacheableOptions } from '../../platform/cache/index.js';
import { ProblemException } from '../../platform/http/index.js';
import type { CatalogueRepository } from './catalogue.repository.js';
import type { Car } from './catalogue.schema.js';

/** The tag of one car, shared by REST and GraphQL entries: ids normalised (`/cars/042` and `/cars/42` share it). */
export const carTag = (id: unknown) => `car:${Number(id)}`;

/** How one car is cached, by `GET /catalogue/cars/:id` and by the `car(id)` query alike. */
export const ONE_CAR: CacheableOptions = {
  namespace: 'catalogue',
  ttl: '5m',
  grace: '1h',
  tags: ({ params }) => [carTag(params.id)],
  public: true,
};

/** 404 problem for a car that does not exist. */
export const carNotFound = (id: number) =>
  new ProblemException(404, 'not-found', 'Not Found', { detail: `car ${id} does not exist` });

/**
 * Applies the given fields of a car change (REST PATCH or GraphQL `updateCar`): absent and null fields
 * are left alone, an empty change is a 400, an unknown car a 404.
 */
export async function changeCar(
  repo: CatalogueRepository,
  id: number,
  change: Partial<Record<'model' | 'year' | 'dailyPrice' | 'available', unknown>>,
): Promise<Car> {
  const patch = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined && v !== null));
  if (Object.keys(patch).length === 0) {
    throw new ProblemException(400, 'validation-error', 'Bad Request', {
      detail: 'give at least one of model, year, dailyPrice, available',
      errors: [],
    });
  }
  const car = await repo.update(id, patch as Parameters<CatalogueRepository['update']>[1]);
  if (!car) throw carNotFound(id);
  return car;
}
