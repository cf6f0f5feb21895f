import { Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { and, count, desc, eq, type SQL } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { DATABASE, migrationsToken, type Database } from '../../platform/database/index.js';
import { keyReused } from '../../platform/idempotency/index.js';
import { EventsPublisher } from '../../platform/pubsub/index.js';
import type { CreatePaymentDto, ListPaymentsQuery, PaymentDto, PaymentPageDto } from './payments.dto.js';
import { payments, type PaymentRow } from './payments.schema.js';

/** Hosted checkout page of the (simulated) payment provider; the payment id completes the URL. */
const CHECKOUT_BASE_URL = 'https://checkout.example.com/pay/';

function toDto(row: PaymentRow): PaymentDto {
  return {
    id: row.id,
    amount: row.amount,
    currency: row.currency,
    customerId: row.customerId,
    status: row.status,
    checkoutUrl: row.checkoutUrl,
  };
}

/** Payments on PostgreSQL (or PGlite): one row per scoped idempotency key, whatever happens to Redis. */
@Injectable()
export class PaymentsService {
  private readonly logger = new Logger('Payments');

  constructor(
    @Inject(DATABASE) private readonly db: Database,
    // Resolved once the payments migrations have run.
    @Inject(migrationsToken('payments')) _migrated: boolean,
    private readonly events: EventsPublisher,
  ) {}

  /**
   * Creates the payment for `scopedKey`, or returns the one that key already created: the case where a
   * previous attempt committed and then died before its response was stored for replay. A different
   * request under that key is refused with 422, as the Redis record would have refused it.
   */
  async create(dto: CreatePaymentDto & { customerId: string }, scopedKey: string): Promise<PaymentDto> {
    const id = randomUUID();
    const [row] = await this.db
      .insert(payments)
      .values({
        id,
        amount: dto.amount,
        currency: dto.currency,
        customerId: dto.customerId,
        checkoutUrl: CHECKOUT_BASE_URL + id,
        idempotencyKey: scopedKey,
      })
      .onConflictDoNothing({ target: payments.idempotencyKey })
      .returning();
    if (row) {
      const payment = toDto(row);
      // Only a new row is news: a key's existing payment returned again was announced when created.
      this.events.publishSafely('payment.created', payment);
      return payment;
    }

    const [existing] = await this.db.select().from(payments).where(eq(payments.idempotencyKey, scopedKey));
    if (!existing) throw new Error('payments: idempotency key conflict without a row');
    if (
      existing.amount !== dto.amount ||
      existing.currency !== dto.currency ||
      existing.customerId !== dto.customerId
    ) {
      throw keyReused();
    }
    this.logger.warn(`payment ${existing.id} already existed for this key: returned instead of paying twice`);
    return toDto(existing);
  }

  /** One payment (only `owner`'s when given: another's is not found). @throws NotFoundException */
  async get(id: string, owner?: string): Promise<PaymentDto> {
    const where = owner ? and(eq(payments.id, id), eq(payments.customerId, owner)) : eq(payments.id, id);
    const [row] = await this.db.select().from(payments).where(where);
    if (!row) throw new NotFoundException(`payment ${id} not found`);
    return toDto(row);
  }

  /** Newest first: `owner`'s only when given, else every customer's or the one the query names. */
  async list(query: ListPaymentsQuery, owner?: string): Promise<PaymentPageDto> {
    const page = query.page ?? 1;
    const limit = query.limit ?? 20;
    const customer = owner ?? query.customerId;
    const where: SQL | undefined = customer ? eq(payments.customerId, customer) : undefined;
    const [rows, [total]] = await Promise.all([
      this.db
        .select()
        .from(payments)
        .where(where)
        .orderBy(desc(payments.createdAt), desc(payments.id))
        .limit(limit)
        .offset((page - 1) * limit),
      this.db.select({ n: count() }).from(payments).where(where),
    ]);
    return { items: rows.map(toDto), page, limit, total: Number(total?.n ?? 0) };
  }
}
