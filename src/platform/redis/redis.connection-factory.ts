import { readFileSync } from 'node:fs';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { ConnectionPurpose, RedisClient, RedisModuleOptions } from './redis.types.js';

/** Reconnect quickly but not in a hot loop: 50 ms, 100 ms, ... capped at 1 s. */
const backoff = (times: number) => Math.min(50 * 2 ** Math.min(times, 5), 1000);

/**
 * Builds ioredis connections for one configured topology. The request path fails fast (no offline
 * queue, short command timeout) so a dead Redis costs milliseconds, not the 73 s of ioredis defaults;
 * subscribers keep an offline queue (a subscribe issued before `ready` must wait, not throw); BullMQ
 * needs `maxRetriesPerRequest: null` for its blocking commands. The request path never resends the
 * unanswered commands of a dropped connection.
 */
export class RedisConnectionFactory {
  private readonly base: RedisOptions;

  constructor(private readonly options: RedisModuleOptions) {
    this.base = this.baseOptions();
  }

  /** The resolved address of the standalone or embedded server (for logs and health details). */
  describe(): string {
    const o = this.options;
    if (o.mode === 'cluster') return `cluster ${o.clusterNodes?.map((n) => `${n.host}:${n.port}`).join(',')}`;
    if (o.mode === 'sentinel') return `sentinel ${o.sentinelName} via ${o.sentinels?.length} sentinels`;
    const url = new URL(o.url ?? 'redis://127.0.0.1:6379');
    return `${url.protocol}//${url.hostname}:${url.port || 6379}`;
  }

  private baseOptions(): RedisOptions {
    const o = this.options;
    const opts: RedisOptions = { connectionName: 'nest-redis-platform' };
    if (o.url) {
      const url = new URL(o.url);
      if (url.username) opts.username = decodeURIComponent(url.username);
      if (url.password) opts.password = decodeURIComponent(url.password);
      const db = url.pathname.replace('/', '');
      if (db && o.mode !== 'cluster') opts.db = Number(db);
      if (url.protocol === 'rediss:') {
        opts.tls = o.tlsCaFile ? { ca: readFileSync(o.tlsCaFile) } : {};
      }
    }
    return opts;
  }

  private purposeOptions(purpose: ConnectionPurpose): RedisOptions {
    switch (purpose) {
      case 'request':
        return {
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          commandTimeout: this.options.commandTimeoutMs ?? 500,
          // A command its caller already gave up on (timeout, 503) must not run later on the replacement
          // connection: a late lock acquire or idempotency claim would hold its key for a whole TTL.
          autoResendUnfulfilledCommands: false,
          connectTimeout: 2000,
          enableAutoPipelining: true,
          retryStrategy: backoff,
        };
      case 'subscriber':
        return {
          enableOfflineQueue: true,
          maxRetriesPerRequest: null,
          connectTimeout: 2000,
          retryStrategy: backoff,
        };
      case 'bullmq':
        return {
          enableOfflineQueue: true,
          maxRetriesPerRequest: null,
          connectTimeout: 2000,
          retryStrategy: backoff,
        };
    }
  }

  /** A new connection for `purpose`; the caller owns it and must `quit()` it. */
  create(purpose: ConnectionPurpose, overrides: RedisOptions = {}): RedisClient {
    const o = this.options;
    const perNode: RedisOptions = { ...this.base, ...this.purposeOptions(purpose), ...overrides };
    if (o.mode === 'cluster') {
      const { enableOfflineQueue, enableAutoPipelining, retryStrategy, ...redisOptions } = perNode;
      const clusterOptions: ClusterOptions = {
        enableOfflineQueue,
        enableAutoPipelining,
        clusterRetryStrategy: retryStrategy === null ? undefined : backoff,
        slotsRefreshTimeout: 2000,
        redisOptions,
      };
      if (perNode.tls) clusterOptions.dnsLookup = (address, cb) => cb(null, address);
      return new Cluster(o.clusterNodes ?? [], clusterOptions);
    }
    if (o.mode === 'sentinel') {
      return new Redis({
        ...perNode,
        sentinels: o.sentinels,
        name: o.sentinelName,
        sentinelRetryStrategy: backoff,
        // Sentinels themselves usually run without TLS/auth; the master's credentials come from REDIS_URL.
        enableTLSForSentinelMode: Boolean(perNode.tls),
      });
    }
    const url = new URL(o.url ?? 'redis://127.0.0.1:6379');
    return new Redis({
      ...perNode,
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || 6379),
    });
  }
}
