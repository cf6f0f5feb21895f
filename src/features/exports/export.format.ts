import type { ExportRow } from './export.source.js';

/** Export file formats. */
export const EXPORT_FORMATS = ['csv', 'json'] as const;
/** An export file format. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Content types of the download. */
export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

/** A value as JSON can carry it: dates as ISO 8601, bigints as strings. */
export function plain(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. A text starting with
 * `=`, `+`, `-`, `@`, tab or CR is prefixed with `'` so a spreadsheet does not run it as a formula
 * (CSV injection); numbers are written as they are.
 */
export function csvField(value: unknown): string {
  const v = plain(value);
  if (v === null || v === undefined) return '';
  let text = typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Turns batches of rows into the file's text, piece by piece: CSV (a header from the first row's columns,
 * CRLF lines) or a JSON array. A source without rows gives an empty CSV and `[]`.
 */
export class ExportEncoder {
  private columns?: string[];
  private rows = 0;

  constructor(private readonly format: ExportFormat) {}

  /** The text of one batch. */
  encode(batch: ExportRow[]): string {
    let out = '';
    for (const row of batch) {
      if (this.format === 'json') {
        const record = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plain(v)]));
        out += `${this.rows === 0 ? '[\n' : ',\n'}${JSON.stringify(record)}`;
      } else {
        if (!this.columns) {
          this.columns = Object.keys(row);
          out += `${this.columns.map(csvField).join(',')}\r\n`;
        }
        out += `${this.columns.map((c) => csvField(row[c])).join(',')}\r\n`;
      }
      this.rows++;
    }
    return out;
  }

  /** The closing text. */
  end(): string {
    if (this.format === 'csv') return '';
    return this.rows === 0 ? '[]\n' : '\n]\n';
  }

  /** Rows encoded so far. */
  get count(): number {
    return this.rows;
  }
}
