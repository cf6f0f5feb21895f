import { Inject, Injectable, Optional } from '@nestjs/common';
import { and, asc, count, eq, inArray } from 'drizzle-orm';
import type { Counter } from 'prom-client';
import { DATABASE, migrationsToken, type Database } from '../../platform/database/index.js';
import { MetricsService } from '../../platform/metrics/metrics.service.js';
import { cars, type Car, type NewCar } from './catalogue.schema.js';

/**
 * Cars in PostgreSQL (or PGlite). Every statement is counted in `catalogue_db_queries_total` by
 * operation, which is how the tests count database reads across app processes.
 */
@Injectable()
export class CatalogueRepository {
  private readonly queries?: Counter<'operation'>;

  constructor(
    @Inject(DATABASE) private readonly db: Database,
    // Resolving this token waits for the catalogue migrations (table and seed) to be applied.
    @Inject(migrationsToken('catalogue')) _migrated: boolean,
    @Optional() metrics?: MetricsService,
  ) {
    this.queries = metrics?.counter({
      name: 'catalogue_db_queries_total',
      help: 'Catalogue SQL statements by operation',
      labelNames: ['operation'] as const,
    });
  }

  /** One page, newest id last, optionally of one make and/or availability; with the total count. */
  async list(
    page: number,
    limit: number,
    make?: string,
    available?: boolean,
  ): Promise<{ items: Car[]; total: number }> {
    const where = and(
      make === undefined ? undefined : eq(cars.make, make),
      available === undefined ? undefined : eq(cars.available, available),
    );
    this.queries?.inc({ operation: 'list' }, 2);
    const [items, totals] = await Promise.all([
      this.db
        .select()
        .from(cars)
        .where(where)
        .orderBy(asc(cars.id))
        .limit(limit)
        .offset((page - 1) * limit),
      this.db.select({ n: count() }).from(cars).where(where),
    ]);
    return { items, total: Number(totals[0]?.n ?? 0) };
  }

  async find(id: number): Promise<Car | undefined> {
    this.queries?.inc({ operation: 'find' });
    const rows = await this.db.select().from(cars).where(eq(cars.id, id)).limit(1);
    return rows[0];
  }

  /** The cars of `ids` (those that exist, in any order): one statement for a whole DataLoader batch. */
  async findMany(ids: readonly number[]): Promise<Car[]> {
    this.queries?.inc({ operation: 'findMany' });
    return this.db
      .select()
      .from(cars)
      .where(inArray(cars.id, [...ids]));
  }

  async create(car: NewCar): Promise<Car> {
    this.queries?.inc({ operation: 'create' });
    const rows = await this.db.insert(cars).values(car).returning();
    return rows[0]!;
  }

  async update(
    id: number,
    patch: Partial<Pick<Car, 'model' | 'year' | 'dailyPrice' | 'available'>>,
  ): Promise<Car | undefined> {
    this.queries?.inc({ operation: 'update' });
    const rows = await this.db.update(cars).set(patch).where(eq(cars.id, id)).returning();
    return rows[0];
  }
}
