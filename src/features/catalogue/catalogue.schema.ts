import { boolean, char, index, integer, pgTable, serial, smallint, varchar } from 'drizzle-orm/pg-core';

/** The rental fleet: one row per car; prices in integer minor units of `currency`. */
export const cars = pgTable(
  'cars',
  {
    id: serial('id').primaryKey(),
    make: varchar('make', { length: 50 }).notNull(),
    model: varchar('model', { length: 50 }).notNull(),
    year: smallint('year').notNull(),
    dailyPrice: integer('daily_price').notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    available: boolean('available').notNull().default(true),
  },
  (t) => [index('cars_make_id_idx').on(t.make, t.id)],
);

/** A car as the API answers it. */
export type Car = typeof cars.$inferSelect;
/** A new car (all fields but `id`). */
export type NewCar = Omit<typeof cars.$inferInsert, 'id'>;
