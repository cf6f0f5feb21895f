import type { Logger } from '@nestjs/common';
import type { Claim, IdempotencyStore } from './idempotency.store.js';

/**
 * Keeps a running request's lease alive: renews it every third of the lease while the handler runs, so a
 * slow handler keeps its key and a dead process loses it within one lease. A lost lease (renewal refused)
 * is logged once and ends the heartbeat; a failed renewal (Redis down) is retried at the next beat.
 */
export class LeaseHeartbeat {
  private readonly timer: NodeJS.Timeout;
  private stopped = false;
  private failing = false;

  constructor(
    private readonly store: IdempotencyStore,
    private readonly claim: Claim,
    private readonly leaseMs: number,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.beat(), Math.max(Math.floor(leaseMs / 3), 20));
    this.timer.unref();
  }

  /** Stops renewing; the record is then completed, released, or left to expire. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private async beat(): Promise<void> {
    try {
      const renewed = await this.store.renew(this.claim, this.leaseMs);
      if (this.stopped) return;
      this.failing = false;
      if (!renewed) {
        this.logger.warn(`idempotency lease lost while the handler runs (${this.claim.recordKey})`);
        this.stop();
      }
    } catch (err) {
      if (!this.failing && !this.stopped) {
        this.failing = true;
        this.logger.warn(`idempotency lease renewal failed: ${(err as Error).message}`);
      }
    }
  }
}
