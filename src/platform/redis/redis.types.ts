import type { Cluster, Redis } from 'ioredis';

/** The client every platform service talks through: one type for standalone, Sentinel and Cluster. */
export type RedisClient = Redis | Cluster;

/** Injection token of the request-path client (fail-fast: no offline queue, short command timeout). */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

/** Which topology the module connects to; `embedded` starts a local redis-server first. */
export type RedisMode = 'standalone' | 'sentinel' | 'cluster' | 'embedded';

/** Options of RedisModule.forRoot / forRootAsync. */
export interface RedisModuleOptions {
  mode: RedisMode;
  /** redis:// or rediss:// URL (standalone); with sentinel or cluster it supplies only credentials and TLS. */
  url?: string;
  sentinels?: { host: string; port: number }[];
  sentinelName?: string;
  clusterNodes?: { host: string; port: number }[];
  /** PEM file of the CA that signed the server's certificate (rediss://). */
  tlsCaFile?: string;
  /** First segment of every key (`{prefix}:{area}:...`). */
  keyPrefix: string;
  /** Per-command timeout on the request path, in ms (default 500). */
  commandTimeoutMs?: number;
  /** Data directory of the embedded redis-server. */
  embeddedDir?: string;
  /** Extra directories scanned for `<name>-<numKeys>.lua` scripts besides the platform's own. */
  scriptDirs?: string[];
}

/** Why a connection exists: each purpose gets the options it needs. */
export type ConnectionPurpose = 'request' | 'subscriber' | 'bullmq';
