import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { RedisConnection, type RedisClient } from '../redis/index.js';

/** How long `quit()` may take per connection on shutdown before the socket is dropped. */
const QUIT_TIMEOUT_MS = 1_000;

/**
 * BullMQ's own Redis connections, made by RedisConnection's factory with purpose `bullmq`
 * (`maxRetriesPerRequest: null`; a Cluster client on Cluster). One `producer` connection is shared by every
 * Queue and fails fast while Redis is away; one `worker` connection is shared by the workers of this
 * process for their non-blocking commands, and BullMQ duplicates it once per worker for the blocking fetch
 * (those duplicates BullMQ owns and closes). The request-path client is never used: its 500 ms command
 * timeout would break BullMQ's blocking commands.
 */
@Injectable()
export class QueueConnections implements OnApplicationShutdown {
  private readonly logger = new Logger('Queue');
  /** Shared by every Queue of this process (enqueue, reads, the dashboard, health counts). */
  readonly producer: RedisClient;
  private workerClient?: RedisClient;
  private closed = false;

  constructor(private readonly redis: RedisConnection) {
    // The producer fails fast while disconnected (no offline queue, no re-sending of commands cut off by a
    // disconnect): an enqueue answered 503 must not be carried out later, behind the client's back. A command
    // Redis ran before the connection dropped is the one case left where a 503'd job still exists.
    this.producer = this.track(
      redis.factory.create('bullmq', { enableOfflineQueue: false, autoResendUnfulfilledCommands: false }),
      'producer',
    );
  }

  /** The workers' shared connection, created on first use (never with QUEUE_WORKERS=0). */
  worker(): RedisClient {
    this.workerClient ??= this.track(this.redis.factory.create('bullmq'), 'worker');
    return this.workerClient;
  }

  /** True when the producer connection can take a command now (enqueues fail fast otherwise). */
  get producerReady(): boolean {
    return this.producer.status === 'ready';
  }

  /** Resolves true once the producer connection is ready, false after `timeoutMs` (boot never waits longer). */
  ready(timeoutMs: number): Promise<boolean> {
    if (this.producerReady) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.producer.off('ready', onReady);
        resolve(ok);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.producer.once('ready', onReady);
    });
  }

  private track(client: RedisClient, role: string): RedisClient {
    let down = false;
    client.on('error', (err: Error) => {
      // Logged once per outage, not once per reconnect attempt.
      if (!down && !this.closed) this.logger.warn(`BullMQ ${role} connection: ${err.message}`);
      down = true;
    });
    client.on('ready', () => {
      if (down) this.logger.log(`BullMQ ${role} connection ready again`);
      down = false;
    });
    return client;
  }

  /**
   * Runs after the workers drained (beforeApplicationShutdown) and after @nestjs/bullmq closed the queues
   * (their modules are not global, so their hooks run first): the last step of the queue shutdown.
   */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  /** Quits the worker connection, then the producer (called once workers and queues are closed). */
  async close(): Promise<void> {
    this.closed = true;
    for (const client of [this.workerClient, this.producer]) {
      if (!client || client.status === 'end') continue;
      try {
        await Promise.race([client.quit(), new Promise((r) => setTimeout(r, QUIT_TIMEOUT_MS).unref())]);
      } catch {
        // Already closed or unreachable: disconnect below either way.
      } finally {
        client.disconnect();
      }
    }
  }
}
