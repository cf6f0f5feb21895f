import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';

/**
 * The one query layer over PostgreSQL (node-postgres) and embedded PGlite: Drizzle's common base type.
 * Raw `execute` results differ (int8 is a string on pg, a BigInt on PGlite): convert with `Number()`.
 */
export type Database = PgDatabase<PgQueryResultHKT>;

/** Injection token of the Database. */
export const DATABASE = Symbol('DATABASE');

/** Options of DatabaseModule.forRoot / forRootAsync. */
export interface DatabaseModuleOptions {
  /** postgres:// URL; when absent an embedded PGlite is opened in `pgliteDir`. */
  url?: string;
  pgliteDir: string;
  /** Pool size for PostgreSQL (default 10). */
  poolSize?: number;
}

/** A feature's migrations: a Drizzle migrations folder applied at boot under its own journal table. */
export interface FeatureMigrations {
  /** Short feature name; the journal table is `__migrations_<name>`. */
  name: string;
  /** Absolute path of the folder drizzle-kit generated (`migrations/` beside the feature's schema). */
  folder: string;
}
