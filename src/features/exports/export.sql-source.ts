import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../platform/database/index.js';
import type { ExportEntity, ExportRow, ExportSource } from './export.source.js';

/** Tables per entity: constants, never user input. */
const TABLES: Record<ExportEntity, string> = { bookings: 'bookings', payments: 'payments' };

/** PostgreSQL's undefined_table, whether pg, PGlite or Drizzle's wrapper carries it. */
function isUndefinedTable(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.code === '42P01' || e?.cause?.code === '42P01';
}

/**
 * ExportSource over raw SQL on the `bookings` and `payments` tables (`SELECT *`, keyset pagination on
 * `id`): whatever columns those features give their tables are exported, and a table that does not
 * exist yet (its feature not deployed) exports as empty instead of failing the job.
 */
export class SqlExportSource implements ExportSource {
  constructor(private readonly db: Database) {}

  private async rows(query: SQL): Promise<ExportRow[]> {
    const result = (await this.db.execute(query)) as unknown as { rows: ExportRow[] };
    return result.rows;
  }

  async count(entity: ExportEntity): Promise<number> {
    try {
      const [row] = await this.rows(sql`SELECT count(*) AS n FROM ${sql.identifier(TABLES[entity])}`);
      return Number(row?.n ?? 0);
    } catch (err) {
      if (isUndefinedTable(err)) return 0;
      throw err;
    }
  }

  async *batches(entity: ExportEntity, batchSize: number): AsyncIterable<ExportRow[]> {
    const table = sql.identifier(TABLES[entity]);
    let last: unknown;
    for (;;) {
      let rows: ExportRow[];
      try {
        rows = await this.rows(
          last === undefined
            ? sql`SELECT * FROM ${table} ORDER BY id LIMIT ${batchSize}`
            : sql`SELECT * FROM ${table} WHERE id > ${last} ORDER BY id LIMIT ${batchSize}`,
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
