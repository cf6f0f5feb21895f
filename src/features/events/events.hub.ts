import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { ServerResponse } from 'node:http';
import { datastructsConfig } from '../../config/app.config.js';
import { MetricsService } from '../../platform/metrics/index.js';
import { APP_EVENTS_TOPIC, PubSubService } from '../../platform/pubsub/index.js';
import type { AppEventOf, AppEventType } from './events.types.js';

/** A client that lets this much output pile up unread is dropped (it reconnects and resumes live). */
const MAX_BUFFERED_BYTES = 1 << 20;

interface Client {
  res: ServerResponse;
  types?: ReadonlySet<AppEventType>;
  /** Who opened it (principal, else IP): the per-client cap's key. */
  owner: string;
  /** The customer whose events this client may see; undefined for an admin (every event). */
  viewer?: string;
}

/** The customer an event is about (`customerId` of a booking or payment), or undefined (flags: everyone's). */
function customerOf(event: AppEventOf): string | undefined {
  const data = event.data as { customerId?: unknown } | null;
  return data && typeof data.customerId === 'string' ? data.customerId : undefined;
}

/**
 * The SSE clients of this instance: one pub/sub subscription (topic `events`) for all of them, fanned out
 * in memory, and one heartbeat timer writing a comment line to each every EVENTS_HEARTBEAT_MS (15 s),
 * so proxies keep idle streams open and dead sockets are noticed.
 */
@Injectable()
export class EventsHub implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly clients = new Set<Client>();
  /** Open streams per owner, for EVENTS_MAX_STREAMS_PER_CLIENT. */
  private readonly perOwner = new Map<string, number>();
  private readonly maxStreams: number;
  private readonly maxPerClient: number;
  private readonly heartbeatMs: number;
  private heartbeat?: NodeJS.Timeout;
  private off?: () => void;

  constructor(
    private readonly pubsub: PubSubService,
    @Inject(datastructsConfig.KEY) config: ConfigType<typeof datastructsConfig>,
    metrics: MetricsService,
  ) {
    this.heartbeatMs = config.eventsHeartbeatMs;
    this.maxStreams = config.eventsMaxStreams;
    this.maxPerClient = config.eventsMaxStreamsPerClient;
    const clients = this.clients;
    metrics.gauge({
      name: 'events_sse_clients',
      help: 'Server-Sent Events clients connected to this instance',
      collect() {
        this.set(clients.size);
      },
    });
  }

  onModuleInit(): void {
    this.off = this.pubsub.subscribe<AppEventOf>(APP_EVENTS_TOPIC, (event) => this.broadcast(event));
  }

  /** Ends every stream before the HTTP server closes: open streams would hold its close until the deadline. */
  beforeApplicationShutdown(): void {
    for (const client of [...this.clients]) this.remove(client, true);
  }

  onApplicationShutdown(): void {
    this.off?.();
  }

  /** Number of connected clients. */
  get size(): number {
    return this.clients.size;
  }

  /**
   * Why a new stream of `owner` would be refused (the instance or the client at its cap), else undefined.
   * Checked before the stream's headers are sent; `add` follows synchronously, so the count is exact.
   */
  refusal(owner: string): string | undefined {
    if (this.clients.size >= this.maxStreams)
      return `this instance serves its maximum of ${this.maxStreams} event streams`;
    if ((this.perOwner.get(owner) ?? 0) >= this.maxPerClient)
      return `a client may hold at most ${this.maxPerClient} event streams`;
    return undefined;
  }

  /**
   * Adds a client whose SSE headers are sent, seeing only the events of `viewer` (and events about no
   * customer); undefined sees all. It is removed when its connection closes.
   */
  add(res: ServerResponse, types?: AppEventType[], owner = '', viewer?: string): void {
    const client: Client = { res, types: types && new Set(types), owner, viewer };
    this.clients.add(client);
    this.perOwner.set(owner, (this.perOwner.get(owner) ?? 0) + 1);
    res.once('close', () => this.remove(client, false));
    this.heartbeat ??= setInterval(() => this.beat(), this.heartbeatMs);
  }

  private remove(client: Client, end: boolean): void {
    if (!this.clients.delete(client)) return;
    const left = (this.perOwner.get(client.owner) ?? 1) - 1;
    if (left > 0) this.perOwner.set(client.owner, left);
    else this.perOwner.delete(client.owner);
    if (end) client.res.end();
    if (this.clients.size === 0) {
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
  }

  private write(client: Client, chunk: string): void {
    if (client.res.writableLength > MAX_BUFFERED_BYTES) {
      this.remove(client, true);
      return;
    }
    client.res.write(chunk);
  }

  private beat(): void {
    for (const client of [...this.clients]) this.write(client, ': heartbeat\n\n');
  }

  private broadcast(event: AppEventOf): void {
    // JSON.stringify never emits a raw newline, so `data:` is one line.
    const chunk = `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
    const customer = customerOf(event);
    for (const client of [...this.clients]) {
      if (client.types && !client.types.has(event.type)) continue;
      if (customer !== undefined && client.viewer !== undefined && client.viewer !== customer) continue;
      this.write(client, chunk);
    }
  }
}
