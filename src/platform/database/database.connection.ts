import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { mkdirSync } from 'node:fs';
import pg from 'pg';
import type { Database, DatabaseModuleOptions, FeatureMigrations } from './database.types.js';

/** Advisory lock id that serialises migrations across app instances booting at once. */
const MIGRATION_LOCK = 7_245_001;

/**
 * Opens PostgreSQL (a pool) or PGlite, applies feature migrations, answers health pings and closes the
 * driver on shutdown. PGlite allows one process per directory: a second one would lose writes silently,
 * so scale-out needs DATABASE_URL.
 */
@Injectable()
export class DatabaseConnection implements OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  private pool?: pg.Pool;
  private pglite?: PGlite;
  db!: Database;
  kind!: 'postgres' | 'pglite';

  async init(options: DatabaseModuleOptions): Promise<void> {
    if (options.url) {
      this.kind = 'postgres';
      this.pool = new pg.Pool({
        connectionString: options.url,
        max: options.poolSize ?? 10,
        connectionTimeoutMillis: 2000,
        idleTimeoutMillis: 30_000,
      });
      // An idle client's error (server restart) must not crash the process; the pool replaces it.
      this.pool.on('error', (err) => this.logger.warn(`idle PostgreSQL client error: ${err.message}`));
      this.db = drizzlePg(this.pool) as unknown as Database;
    } else {
      this.kind = 'pglite';
      mkdirSync(options.pgliteDir, { recursive: true });
      // PostgreSQL ships its contrib extensions; PGlite bundles them separately, loaded on demand.
      // btree_gist backs exclusion constraints (a feature's no-overlap rule, for one).
      this.pglite = new PGlite(options.pgliteDir, { extensions: { btree_gist } });
      await this.pglite.waitReady;
      this.db = drizzlePglite(this.pglite) as unknown as Database;
      this.logger.log(`embedded PGlite in ${options.pgliteDir}`);
    }
  }

  /** Applies one feature's migrations; across instances only one migrates at a time. */
  async migrate(feature: FeatureMigrations): Promise<void> {
    const config = { migrationsFolder: feature.folder, migrationsTable: `__migrations_${feature.name}` };
    if (this.pglite) {
      await migratePglite(this.db as never, config);
      return;
    }
    const lockClient = await this.pool!.connect();
    try {
      await lockClient.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await migratePg(this.db as never, config);
    } finally {
      await lockClient.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      lockClient.release();
    }
  }

  /** Round-trip time of `SELECT 1`, in ms. */
  async ping(): Promise<number> {
    const started = performance.now();
    await this.db.execute(sql`SELECT 1`);
    return performance.now() - started;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool?.end();
    await this.pglite?.close();
  }
}
