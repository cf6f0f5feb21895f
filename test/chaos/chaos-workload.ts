// The chaos run's mixed workload: bookings contending for 5 cars, payments whose clients retry with the
// same Idempotency-Key after timeouts and 503s, e-mail enqueues, catalogue PATCH + GET pairs on different
// instances, rate-limited reads, and a readiness poller on every instance. Every answer is recorded for
// the invariants checked after the fault.
import type { AppHandle } from '../support/app-process.js';
import { authHeader } from '../support/auth.js';

/** One HTTP answer: status 0 when the connection failed, -1 when the client gave up (timeout). */
export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One request with a client-side timeout; never throws. */
export async function send(
  app: AppHandle,
  method: string,
  path: string,
  opts: { body?: unknown; auth?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Answer> {
  try {
    const res = await fetch(app.url + path, {
      method,
      headers: {
        'content-type': 'application/json',
        // An admin caller: it books and pays for the workload's many customers and mails any address.
        authorization: opts.auth ?? authHeader('chaos', { roles: ['admin'] }),
        ...opts.headers,
      },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 3_000),
    });
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      body = { text };
    }
    return { status: res.status, body };
  } catch (err) {
    return { status: (err as Error).name === 'TimeoutError' ? -1 : 0, body: {} };
  }
}

/** What the workload saw. */
export interface WorkloadRecord {
  /** `<status> <problem type>` (or `201`) per route family: `booking 409 booking-conflict`, ... */
  outcomes: Map<string, number>;
  /** Answers with a 5xx status other than 503, with their route. */
  unexpected5xx: string[];
  /** Payment keys whose client got a 201 (first answer or replay). */
  paymentsAcked: string[];
  /** Payment keys whose client gave up after its retries. */
  paymentsGaveUp: string[];
  /** E-mail jobs answered 202, with the app that took them. */
  jobsAcked: string[];
  /** When each catalogue read older than a write whose response had already arrived came back. */
  staleReads: number[];
  readPairs: number;
  /** Rate-limited reads: allowed and refused, and when the reader ran. */
  rate: { allowed: number; refused: number; startedAt: number; stoppedAt: number };
  /** Readiness probes: time (ms since the epoch), instance index, status. */
  ready: Array<{ at: number; app: number; status: number }>;
}

/** The workload's knobs. */
export interface WorkloadOptions {
  /** Distinguishes this phase's cars, payment keys and catalogue rows. */
  tag: string;
  /** Catalogue car ids this phase writes (one writer each), from the seeded 1..1000. */
  catalogueIds: number[];
}

/**
 * Runs the mixed workload against `apps()` (read on every request: an instance may be replaced) until
 * {@link stop}. Loops are paced so that 3 app processes, Redis and PostgreSQL keep up on 2 cores.
 */
export class Workload {
  readonly record: WorkloadRecord = {
    outcomes: new Map(),
    unexpected5xx: [],
    paymentsAcked: [],
    paymentsGaveUp: [],
    jobsAcked: [],
    staleReads: [],
    readPairs: 0,
    rate: { allowed: 0, refused: 0, startedAt: 0, stoppedAt: 0 },
    ready: [],
  };
  private stopped = false;
  private loops: Promise<void>[] = [];
  private rr = 0;

  constructor(
    private readonly apps: () => AppHandle[],
    private readonly opts: WorkloadOptions,
  ) {}

  start(): void {
    const { tag } = this.opts;
    this.record.rate.startedAt = Date.now();
    for (let w = 0; w < 5; w++) this.loops.push(this.loop(() => this.book(tag), 20));
    for (let w = 0; w < 3; w++) this.loops.push(this.payments(tag, w));
    this.loops.push(this.loop(() => this.email(tag), 100));
    for (const id of this.opts.catalogueIds) this.loops.push(this.catalogue(id));
    this.loops.push(this.loop(() => this.rateLimited(), 25));
    this.loops.push(this.loop(() => this.probeReady(), 250));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
    this.record.rate.stoppedAt = Date.now();
  }

  /** The `n`-th instance after the round-robin cursor. */
  private app(offset = 0): AppHandle {
    const apps = this.apps();
    return apps[(this.rr + offset) % apps.length]!;
  }

  private count(family: string, a: Answer): void {
    const key = `${family} ${a.status <= 0 ? (a.status === 0 ? 'network' : 'timeout') : a.status}${
      a.status >= 400 && typeof a.body.type === 'string' ? ` ${a.body.type.split('/').pop()}` : ''
    }`;
    this.record.outcomes.set(key, (this.record.outcomes.get(key) ?? 0) + 1);
    if (a.status >= 500 && a.status !== 503) this.record.unexpected5xx.push(key);
  }

  private async loop(step: () => Promise<void>, pauseMs: number): Promise<void> {
    while (!this.stopped) {
      this.rr++;
      await step();
      await sleep(pauseMs);
    }
  }

  private async book(tag: string): Promise<void> {
    const car = `${tag}-car${Math.floor(Math.random() * 5)}`;
    const start = 1 + Math.floor(Math.random() * 120);
    const length = 1 + Math.floor(Math.random() * 4);
    const day = (d: number) => new Date(Date.UTC(2030, 0, 1) + d * 86_400_000).toISOString().slice(0, 10);
    const a = await send(this.app(), 'POST', '/bookings', {
      body: { carId: car, customerId: `${tag}-cust`, startDate: day(start), endDate: day(start + length) },
    });
    this.count('booking', a);
  }

  /** A client paying: retries the same key after timeouts, network errors, 503s and 409 in-progress. */
  private async payments(tag: string, worker: number): Promise<void> {
    for (let n = 0; !this.stopped; n++) {
      const key = `${tag}-pay${worker}-${n}`;
      let done = false;
      for (let attempt = 0; attempt < 20 && !done; attempt++) {
        this.rr++;
        const a = await send(this.app(attempt), 'POST', '/payments', {
          body: { amount: 100 + n, currency: 'eur', customerId: key },
          headers: { 'idempotency-key': key },
          timeoutMs: 1_500,
        });
        this.count('payment', a);
        if (a.status === 201 || a.status === 200) {
          this.record.paymentsAcked.push(key);
          done = true;
        } else if (a.status <= 0 || a.status === 503 || a.status === 409) {
          await sleep(200 + 100 * attempt);
        } else {
          break; // 4xx other than 409: a client bug, not a retry case (counted above)
        }
      }
      if (!done) this.record.paymentsGaveUp.push(key);
      await sleep(30);
    }
  }

  private async email(tag: string): Promise<void> {
    const a = await send(this.app(), 'POST', '/notifications/email', {
      body: { to: 'chaos@example.com', subject: tag, body: 'chaos run' },
    });
    this.count('email', a);
    if (a.status === 202 && typeof a.body.jobId === 'string') this.record.jobsAcked.push(a.body.jobId);
  }

  /** One writer per catalogue row: PATCH on one instance, then GET on another after the answer. */
  private async catalogue(id: number): Promise<void> {
    for (let version = 1; !this.stopped; version++) {
      this.rr++;
      const write = await send(this.app(), 'PATCH', `/catalogue/cars/${id}`, {
        body: { dailyPrice: version },
        auth: authHeader('ops', { roles: ['admin'] }),
      });
      this.count('catalogue-patch', write);
      if (write.status === 200) {
        const read = await send(this.app(1), 'GET', `/catalogue/cars/${id}`);
        this.count('catalogue-get', read);
        if (read.status === 200) {
          this.record.readPairs++;
          if (Number(read.body.dailyPrice) < version) this.record.staleReads.push(Date.now());
        }
      }
      await sleep(50);
    }
  }

  private async rateLimited(): Promise<void> {
    const a = await send(this.app(), 'GET', '/rate-limit/probe/export', { timeoutMs: 2_000 });
    this.count('rate-limited', a);
    if (a.status === 200) this.record.rate.allowed++;
    else if (a.status === 429) this.record.rate.refused++;
  }

  private async probeReady(): Promise<void> {
    const apps = this.apps();
    await Promise.all(
      apps.map(async (app, i) => {
        const a = await send(app, 'GET', '/health/ready', { timeoutMs: 2_000 });
        this.record.ready.push({ at: Date.now(), app: i, status: a.status });
      }),
    );
  }
}
