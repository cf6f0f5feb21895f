import { Logger } from '@nestjs/common';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExportFormat } from './export.format.js';

/**
 * Export files under `<DATA_DIR>/exports`: `<job id>.<format>`, written to a temporary name and renamed
 * when complete, so a download never sees half a file. Every instance that serves downloads needs the same
 * directory (a shared volume) since any instance's worker may write the file.
 */
export class ExportFiles {
  private readonly logger = new Logger('Exports');

  constructor(readonly dir: string) {}

  /** The final path of a job's file (the id is a UUID and the format a constant: no user text in it). */
  pathOf(jobId: string, format: ExportFormat): string {
    return join(this.dir, `${jobId}.${format}`);
  }

  /** A temporary path unique to this attempt. */
  tempOf(jobId: string, format: ExportFormat): string {
    return join(this.dir, `.${jobId}.${format}.${process.pid}.${Date.now()}.tmp`);
  }

  async ensureDir(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  /** Deletes files older than `maxAgeMs` (the jobs that pointed at them are gone by then). */
  async prune(maxAgeMs: number): Promise<number> {
    let removed = 0;
    const before = Date.now() - maxAgeMs;
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      const path = join(this.dir, name);
      const info = await stat(path).catch(() => undefined);
      if (info?.isFile() && info.mtimeMs < before) {
        await rm(path, { force: true });
        removed++;
      }
    }
    if (removed)
      this.logger.log(`removed ${removed} export file(s) older than ${Math.round(maxAgeMs / 3_600_000)} h`);
    return removed;
  }
}
