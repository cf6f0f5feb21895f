import { DiscoveryService } from '@nestjs/core';

/** Options of `@QueueProcessor()`. */
export interface QueueProcessorOptions {
  /** The queue whose jobs this class processes. */
  queue: string;
  /** Caps this queue's concurrency below QUEUE_WORKERS (e.g. 1 for CPU- or disk-heavy jobs). */
  maxConcurrency?: number;
}

/**
 * Marks a provider implementing {@link JobProcessor} as the processor of a queue. Metadata only:
 * QueueExplorer finds these providers at bootstrap and starts one BullMQ Worker per queue, unless
 * `QUEUE_WORKERS=0`.
 * @example
 * @QueueProcessor({ queue: 'exports', maxConcurrency: 2 })
 * export class ExportProcessor implements JobProcessor<ExportJob, ExportResult> { ... }
 */
export const QueueProcessor = DiscoveryService.createDecorator<QueueProcessorOptions>();
