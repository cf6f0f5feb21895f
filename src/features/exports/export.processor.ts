import { Inject, Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { open, rename, rm } from 'node:fs/promises';
import { QueueProcessor, type JobProcessor } from '../../platform/queue/index.js';
import { WebhookEvents } from '../webhooks/webhook.events.js';
import { ExportFiles } from './export.files.js';
import { ExportEncoder, type ExportFormat } from './export.format.js';
import { ExportSource, type ExportEntity } from './export.source.js';

/** Name of the exports queue. */
export const EXPORTS_QUEUE = 'exports';
/** Rows read per query. */
const BATCH = 500;

/** Data of an export job. */
export interface ExportJob {
  entity: ExportEntity;
  format: ExportFormat;
  /** Who asked (`sub`): only they (and the admin role) can read the status and download the file. */
  principal: string;
  /** Export every customer's rows (an admin asked); otherwise only `principal`'s. */
  all?: boolean;
}

/** What a finished export job returns. */
export interface ExportResult {
  rows: number;
  bytes: number;
}

/** The download route of a job's file. */
export const downloadUrlOf = (jobId: string) => `/exports/${jobId}/download`;

/**
 * Writes an entity's rows to `<DATA_DIR>/exports/<job id>.<csv|json>` in batches, reporting progress
 * (0 to 100) after each, checking the abort signal between batches; publishes `export.completed` (or
 * `export.failed` after the last attempt) to webhook subscribers. At most 2 exports at once per process:
 * they are disk- and database-heavy.
 */
@QueueProcessor({ queue: EXPORTS_QUEUE, maxConcurrency: 2 })
export class ExportProcessor implements JobProcessor<ExportJob, ExportResult> {
  private readonly logger = new Logger('Exports');

  constructor(
    @Inject(ExportSource) private readonly source: ExportSource,
    private readonly files: ExportFiles,
    private readonly events: WebhookEvents,
  ) {}

  async process(job: Job<ExportJob, ExportResult>, signal: AbortSignal): Promise<ExportResult> {
    const { entity, format } = job.data;
    const jobId = String(job.id);
    try {
      const result = await this.write(job, signal);
      await this.events.publish('export.completed', `export-${jobId}`, {
        jobId,
        entity,
        format,
        rows: result.rows,
        downloadUrl: downloadUrlOf(jobId),
      });
      return result;
    } catch (err) {
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (last) {
        await this.events
          .publish('export.failed', `export-${jobId}-failed`, {
            jobId,
            entity,
            format,
            reason: (err as Error).message,
          })
          .catch((e: Error) =>
            this.logger.warn(`export.failed event for ${jobId} not published: ${e.message}`),
          );
      }
      throw err;
    }
  }

  private async write(job: Job<ExportJob, ExportResult>, signal: AbortSignal): Promise<ExportResult> {
    const { entity, format } = job.data;
    const jobId = String(job.id);
    await this.files.ensureDir();
    const owner = job.data.all ? undefined : job.data.principal;
    const total = await this.source.count(entity, owner);
    const encoder = new ExportEncoder(format);
    const temp = this.files.tempOf(jobId, format);
    const file = await open(temp, 'w');
    let bytes = 0;
    try {
      for await (const batch of this.source.batches(entity, BATCH, owner)) {
        signal.throwIfAborted();
        bytes += (await file.write(encoder.encode(batch))).bytesWritten;
        // Rows may be added while exporting: the count is an estimate, so stay below 100 until the end.
        await job.updateProgress(total ? Math.min(99, Math.floor((encoder.count * 100) / total)) : 99);
      }
      bytes += (await file.write(encoder.end())).bytesWritten;
      await file.sync();
    } catch (err) {
      await file.close();
      await rm(temp, { force: true });
      throw err;
    }
    await file.close();
    await rename(temp, this.files.pathOf(jobId, format));
    await job.updateProgress(100);
    return { rows: encoder.count, bytes };
  }
}
