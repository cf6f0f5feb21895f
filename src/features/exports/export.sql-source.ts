import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../platform/database/index.js';
import type { ExportEntity, ExportRow, ExportSource } from './export.source.js';

/** Tables per entity: constants, never user input. */
const TABLES: Record<ExportEntity, string> = { bookings: 'bookings', payments: 'payments' };

/**
 * The columns an export carries: those the API shows (BookingView, PaymentDto) and the creation time,
 * never internals such as idempotency keys or lock owners.
 */
const COLUMNS: Record<ExportEntity, string[]> = {
  bookings: ['id', 'car_id', 'customer_id', 'start_date', 'end_date', 'fencing_token', 'created_at'],
  payments: ['id', 'amount', 'currency', 'customer_id', 'status', 'checkout_url', 'created_at'],
};

/** The row filter of one owner's export, or of every row. */
function ownerIs(owner: string | undefined): SQL {
  return owner === undefined ? sql`TRUE` : sql`customer_id = ${owner}`;
}

/** PostgreSQL's undefined_table, whether pg, PGlite or Drizzle's wrapper carries it. */
function isUndefinedTable(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.code === '42P01' || e?.cause?.code === '42P01';
}

/**
 * ExportSource over raw SQL on the `bookings` and `payments` tables (the listed columns, one customer's
 * rows or all, keyset pagination on `id`); a table that does not exist yet (its feature not deployed)
 * exports as empty instead of failing the job.
 */
export class SqlExportSource implements ExportSource {
  constructor(private readonly db: Database) {}

  private async rows(query: SQL): Promise<ExportRow[]> {
    const result = (await this.db.execute(query)) as unknown as { rows: ExportRow[] };
    return result.rows;
  }

  async count(entity: ExportEntity, owner?: string): Promise<number> {
    try {
      const [row] = await this.rows(
        sql`SELECT count(*) AS n FROM ${sql.identifier(TABLES[entity])} WHERE ${ownerIs(owner)}`,
      );
      return Number(row?.n ?? 0);
    } catch (err) {
      if (isUndefinedTable(err)) return 0;
      throw err;
    }
  }

  async *batches(entity: ExportEntity, batchSize: number, owner?: string): AsyncIterable<ExportRow[]> {
    const table = sql.identifier(TABLES[entity]);
    const columns = sql.join(
      COLUMNS[entity].map((c) => sql.identifier(c)),
      sql`, `,
    );
    let last: unknown;
    for (;;) {
      let rows: ExportRow[];
      try {
        rows = await this.rows(
          last === undefined
            ? sql`SELECT ${columns} FROM ${table} WHERE ${ownerIs(owner)} ORDER BY id LIMIT ${batchSize}`
            : sql`SELECT ${columns} FROM ${table} WHERE ${ownerIs(owner)} AND id > ${last} ORDER BY id LIMIT ${batchSize}`,
        );
      } catch (err) {
        if (isUndefinedTable(err)) return;
        throw err;
      }
      if (rows.length) yield rows;
      if (rows.length < batchSize) return;
      last = rows[rows.length - 1]!.id;
    }
  }
}
