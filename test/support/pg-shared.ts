import { createDatabaseAt } from './postgres.js';

/**
 * Creates a fresh database on the run's shared PostgreSQL (started by globalSetup) and returns its
 * `postgres://` URL: one database per spec (or per test) keeps specs independent without a server each.
 *
 * @example const databaseUrl = await createTestDatabase(); const app = await startApp({ env: { DATABASE_URL: databaseUrl } });
 */
export function createTestDatabase(name?: string): Promise<string> {
  const adminUrl = process.env.TEST_PG_ADMIN_URL;
  if (!adminUrl) {
    throw new Error(
      'TEST_PG_ADMIN_URL is not set: run the spec through the integration project (its globalSetup)',
    );
  }
  return createDatabaseAt(adminUrl, name);
}
