import { and, eq, isNull, lte, or, sql } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import type { Database } from '../../platform/database/index.js';
import { KeyBuilder } from '../../platform/redis/index.js';
import type { EmailJob } from './email.processor.js';
import { emailMessage, type EmailMessageStatus } from './notifications.schema.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A pending message as the reconciler re-adds it: its job id and job data. */
export interface OutboxEntry {
  id: string;
  data: EmailJob;
}

/** What {@link EmailOutbox.claim} found. */
export type Claim = 'claimed' | 'done' | 'missing';

/** Injection token of the outbox settings. */
export const EMAIL_OUTBOX_OPTIONS = Symbol('EMAIL_OUTBOX_OPTIONS');

/** Settings of the outbox and its reconciler (EMAIL_OUTBOX_*). */
export interface EmailOutboxOptions {
  /** How often each instance looks for pending rows (jittered ±50 %); 0 switches the reconciler off. */
  reconcileMs: number;
  /** A pending row is first checked this long after it was written, and again every this long. */
  graceMs: number;
  /** Rows per check, at most. */
  batch: number;
  /** Deduplication window of a caller's deduplication id. */
  dedupWindowMs: number;
}

/**
 * The e-mail outbox in PostgreSQL: the durable record of every accepted message. Each method is one SQL
 * statement (recording with a deduplication id is one transaction of two), and every state change is a
 * conditional UPDATE, so concurrent callers (a request cancelling, a worker claiming, two instances
 * reconciling) cannot both win.
 */
export class EmailOutbox {
  /** `queuePrefix`: this deployment's BullMQ prefix (`KeyBuilder.queuePrefix()`), recorded on each row. */
  constructor(
    private readonly db: Database,
    private readonly options: EmailOutboxOptions,
    private readonly queuePrefix: string,
  ) {}

  /**
   * Records a message; committed when this resolves. With a deduplication id still inside its window, the
   * earlier row's id is answered instead (`created: false`).
   */
  async record(data: EmailJob, deduplicationId?: string): Promise<{ id: string; created: boolean }> {
    const id = randomUUID();
    const checkAt = sql`now() + ${this.options.graceMs} * interval '1 millisecond'`;
    const values = {
      id,
      queuePrefix: this.queuePrefix,
      principal: data.principal,
      toAddress: data.to,
      subject: data.subject,
      body: data.body,
      checkAt,
    };
    if (deduplicationId === undefined) {
      await this.db.insert(emailMessage).values(values);
      return { id, created: true };
    }
    // Hashed with the caller's sub: the client's string never reaches a key, two callers never collide.
    const dedupKey = KeyBuilder.part(`${data.principal}:${deduplicationId}`);
    return this.db.transaction(async (tx) => {
      // An expired window, or a cancelled message (its request got 503: this is the client's retry),
      // frees the key first; the insert then either takes it or (inside the window) meets the holder,
      // whose id the no-op update returns. A concurrent insert of the same key waits on the unique index
      // and then meets ours.
      await tx
        .update(emailMessage)
        .set({ dedupKey: null })
        .where(
          and(
            eq(emailMessage.dedupKey, dedupKey),
            or(lte(emailMessage.dedupUntil, sql`now()`), eq(emailMessage.status, 'cancelled')),
          ),
        );
      const [row] = await tx
        .insert(emailMessage)
        .values({
          ...values,
          dedupKey,
          dedupUntil: sql`now() + ${this.options.dedupWindowMs} * interval '1 millisecond'`,
        })
        .onConflictDoUpdate({ target: emailMessage.dedupKey, set: { dedupKey } })
        .returning({ id: emailMessage.id });
      return { id: row!.id, created: row!.id === id };
    });
  }

  /**
   * Cancels a message whose enqueue was refused, unless a worker already took it (the refused add may
   * still have reached Redis). True when cancelled: nothing will be sent.
   */
  async cancel(id: string): Promise<boolean> {
    const rows = await this.db
      .update(emailMessage)
      .set({ status: 'cancelled' })
      .where(and(eq(emailMessage.id, id), eq(emailMessage.status, 'pending'), isNull(emailMessage.claimedAt)))
      .returning({ id: emailMessage.id });
    return rows.length === 1;
  }

  /**
   * A worker's claim before sending: `claimed` (pending; attempts counted), `done` (sent, failed or
   * cancelled: skip it) or `missing` (no row: a job enqueued before the outbox existed).
   */
  async claim(id: string): Promise<Claim> {
    if (!UUID.test(id)) return 'missing';
    const claimed = await this.db
      .update(emailMessage)
      .set({ attempts: sql`${emailMessage.attempts} + 1`, claimedAt: sql`now()` })
      .where(and(eq(emailMessage.id, id), eq(emailMessage.status, 'pending')))
      .returning({ id: emailMessage.id });
    if (claimed.length === 1) return 'claimed';
    const [row] = await this.db
      .select({ status: emailMessage.status })
      .from(emailMessage)
      .where(eq(emailMessage.id, id));
    return row ? 'done' : 'missing';
  }

  /** Marks a pending message sent (or, with a reason, failed for good). */
  async finish(id: string, outcome: 'sent' | { failedReason: string }): Promise<void> {
    await this.db
      .update(emailMessage)
      .set(
        outcome === 'sent'
          ? { status: 'sent', sentAt: sql`now()` }
          : { status: 'failed', failedReason: outcome.failedReason.slice(0, 1_000) },
      )
      .where(and(eq(emailMessage.id, id), eq(emailMessage.status, 'pending')));
  }

  /** A message's state and owner, or undefined. */
  async find(
    id: string,
  ): Promise<
    | { principal: string; status: EmailMessageStatus; attempts: number; failedReason: string | null }
    | undefined
  > {
    const [row] = await this.db
      .select({
        principal: emailMessage.principal,
        status: emailMessage.status,
        attempts: emailMessage.attempts,
        failedReason: emailMessage.failedReason,
      })
      .from(emailMessage)
      .where(eq(emailMessage.id, id));
    return row;
  }

  /**
   * This deployment's pending rows due for a check, oldest first, at most `batch`; each is pushed `graceMs` into the future
   * in the same statement, and rows another instance is taking are skipped, so instances share the work.
   */
  async due(): Promise<OutboxEntry[]> {
    const result = (await this.db.execute(sql`
      UPDATE email_message SET check_at = now() + ${this.options.graceMs} * interval '1 millisecond'
      WHERE id IN (
        SELECT id FROM email_message
        WHERE status = 'pending' AND queue_prefix = ${this.queuePrefix} AND check_at <= now()
        ORDER BY check_at LIMIT ${this.options.batch} FOR UPDATE SKIP LOCKED)
      RETURNING id, principal, to_address, subject, body`)) as unknown as {
      rows: Array<{ id: string; principal: string; to_address: string; subject: string; body: string }>;
    };
    return result.rows.map((r) => ({
      id: r.id,
      data: { to: r.to_address, subject: r.subject, body: r.body, principal: r.principal },
    }));
  }
}
