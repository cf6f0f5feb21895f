/** What can be exported. */
export const EXPORT_ENTITIES = ['bookings', 'payments'] as const;
/** An exportable entity. */
export type ExportEntity = (typeof EXPORT_ENTITIES)[number];

/** A row as the source returns it: column name -> value. */
export type ExportRow = Record<string, unknown>;

/**
 * Where export rows come from (port). The bookings and payments features own their tables; exports only
 * read them through this interface, so the export job does not depend on those features' code.
 */
export interface ExportSource {
  /** Rows of `entity` (only `owner`'s when given); 0 when its table does not exist (yet). */
  count(entity: ExportEntity, owner?: string): Promise<number>;
  /**
   * Every row of `entity` (only `owner`'s when given) in key order, `batchSize` at a time, with the columns
   * the API shows; nothing when the table does not exist.
   */
  batches(entity: ExportEntity, batchSize: number, owner?: string): AsyncIterable<ExportRow[]>;
}

/** Injection token of the ExportSource port. */
export const ExportSource = Symbol('ExportSource');
