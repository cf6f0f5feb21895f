import { Logger, Module, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { jobsConfig } from '../../config/app.config.js';
import { DATABASE, type Database } from '../../platform/database/index.js';
import { QueueModule } from '../../platform/queue/index.js';
import { WebhooksModule } from '../webhooks/webhooks.module.js';
import { ExportFiles } from './export.files.js';
import { EXPORTS_QUEUE, ExportProcessor } from './export.processor.js';
import { ExportSource } from './export.source.js';
import { SqlExportSource } from './export.sql-source.js';
import { ExportsController } from './exports.controller.js';

/** Files are kept as long as completed jobs (a day); pruned hourly. */
const FILE_MAX_AGE_MS = 24 * 3_600_000;

/**
 * Exports of bookings and payments on the `exports` queue. Reads the tables through the ExportSource port
 * (raw SQL; a missing table exports as empty), so the bookings and payments features stay independent.
 */
@Module({
  imports: [QueueModule.registerQueue(EXPORTS_QUEUE), WebhooksModule],
  controllers: [ExportsController],
  providers: [
    ExportProcessor,
    { provide: ExportSource, inject: [DATABASE], useFactory: (db: Database) => new SqlExportSource(db) },
    {
      provide: ExportFiles,
      inject: [jobsConfig.KEY],
      useFactory: (jobs: ConfigType<typeof jobsConfig>) => new ExportFiles(jobs.exportsDir),
    },
  ],
})
export class ExportsModule implements OnModuleInit, OnModuleDestroy {
  private timer?: NodeJS.Timeout;

  constructor(private readonly files: ExportFiles) {}

  onModuleInit(): void {
    const prune = () =>
      void this.files
        .prune(FILE_MAX_AGE_MS)
        .catch((err: Error) => new Logger('Exports').warn(`pruning export files failed: ${err.message}`));
    prune();
    this.timer = setInterval(prune, 3_600_000).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }
}
