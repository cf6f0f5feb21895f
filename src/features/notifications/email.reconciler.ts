import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Counter } from 'prom-client';
import { MetricsService } from '../../platform/metrics/metrics.service.js';
import { QueueProducer } from '../../platform/queue/index.js';
import { EMAIL_OUTBOX_OPTIONS, EmailOutbox, type EmailOutboxOptions } from './email.outbox.js';
import { EMAIL_QUEUE } from './email.processor.js';

/**
 * Re-adds the jobs of pending outbox rows that Redis does not have (it restarted without persistence,
 * a failover lost the last writes, or the request's enqueue never arrived). Every instance runs it every
 * `reconcileMs` (jittered, so instances do not tick together); a tick is one indexed UPDATE ... RETURNING
 * of at most `batch` due rows and, when there are any, two Redis round trips. Idle rows cost nothing: a
 * row is first due `graceMs` after it was written and then every `graceMs` until it is sent.
 */
@Injectable()
export class EmailOutboxReconciler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('EmailOutbox');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private failing = false;
  private stopped = false;
  private readonly readded?: Counter;

  constructor(
    @Inject(EmailOutbox) private readonly outbox: EmailOutbox,
    private readonly producer: QueueProducer,
    @Inject(EMAIL_OUTBOX_OPTIONS) private readonly options: EmailOutboxOptions,
    @Optional() metrics?: MetricsService,
  ) {
    this.readded = metrics?.counter({
      name: 'email_outbox_readded_total',
      help: 'E-mail jobs re-added from the outbox because Redis did not have them',
    });
  }

  onApplicationBootstrap(): void {
    if (this.options.reconcileMs > 0) this.schedule();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pass: re-adds the due rows' missing jobs; answers how many were added. */
  async reconcile(): Promise<number> {
    const due = await this.outbox.due();
    const added = await this.producer.ensureJobs(
      EMAIL_QUEUE,
      due.map((row) => ({ name: 'send', data: row.data, jobId: row.id })),
    );
    if (added > 0) {
      this.readded?.inc(added);
      this.logger.warn(`re-added ${added} e-mail job(s) Redis did not have`);
    }
    return added;
  }

  private schedule(): void {
    if (this.stopped) return;
    const delay = this.options.reconcileMs * (0.5 + Math.random());
    this.timer = setTimeout(() => {
      this.running = this.reconcile()
        .then(() => {
          if (this.failing) this.logger.log('outbox reconciliation works again');
          this.failing = false;
        })
        .catch((err: unknown) => {
          // Logged once per state change: while Redis or the database is down every tick fails.
          if (!this.failing) this.logger.warn(`outbox reconciliation failed: ${(err as Error).message}`);
          this.failing = true;
        })
        .finally(() => this.schedule());
    }, delay);
    this.timer.unref();
  }
}
