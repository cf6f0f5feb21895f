import { Inject, Injectable } from '@nestjs/common';
import { eq, sql } from 'drizzle-orm';
import type { CustomerSnapshot, Principal, SubjectDirectory } from '../../platform/auth/index.js';
import { DATABASE, migrationsToken, type Database } from '../../platform/database/index.js';
import { customers, type CustomerRow } from './customers.schema.js';

const snapshot = (row: CustomerRow): CustomerSnapshot => ({
  id: row.id,
  email: row.email,
  name: row.name,
  createdAt: new Date(row.createdAt).toISOString(),
  updatedAt: new Date(row.updatedAt).toISOString(),
});

/** The customers table; AuthModule's subject directory (one upsert per session load). */
@Injectable()
export class CustomersRepository implements SubjectDirectory {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(migrationsToken('customers')) _migrated: boolean,
  ) {}

  /** Inserts the customer of `principal`, or refreshes its email: one statement, the row returned. */
  async upsert(principal: Principal): Promise<CustomerSnapshot> {
    const email = principal.email ?? null;
    const [row] = await this.db
      .insert(customers)
      .values({ id: principal.sub, email })
      .onConflictDoUpdate({
        target: customers.id,
        set: {
          email: sql`COALESCE(excluded.email, ${customers.email})`,
          updatedAt: sql`CASE WHEN excluded.email IS DISTINCT FROM ${customers.email} AND excluded.email IS NOT NULL THEN now() ELSE ${customers.updatedAt} END`,
        },
      })
      .returning();
    return snapshot(row!);
  }

  /** Sets the display name; the updated row, or null when the customer does not exist. */
  async rename(id: string, name: string): Promise<CustomerSnapshot | null> {
    const [row] = await this.db
      .update(customers)
      .set({ name, updatedAt: sql`now()` })
      .where(eq(customers.id, id))
      .returning();
    return row ? snapshot(row) : null;
  }
}
