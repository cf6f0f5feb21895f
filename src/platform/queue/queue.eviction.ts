import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Cluster } from 'ioredis';
import type { RedisClient } from '../redis/index.js';
import { QueueConnections } from './queue.connections.js';
import { withTimeout } from './queue.errors.js';

/** `maxmemory_policy:<policy>` from INFO memory, or `unknown`. */
export function parseMaxmemoryPolicy(info: string): string {
  return /^maxmemory_policy:(\S+)/m.exec(info)?.[1] ?? 'unknown';
}

/**
 * BullMQ needs `maxmemory-policy noeviction`: under any other policy Redis may evict queue keys when memory
 * is full, and jobs vanish without a trace. Read from INFO (allowed on managed Redis where CONFIG is not),
 * on every master of a Cluster. Checked at boot (a loud warning) and shown in `/health/ready`.
 */
@Injectable()
export class QueueEvictionCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger('Queue');
  private last: string[] = ['unknown'];

  constructor(private readonly connections: QueueConnections) {}

  /**
   * The distinct policies of the masters (`['noeviction']` when safe), read now (INFO is cheap); the last
   * known value while Redis does not answer, `['unknown']` before the first answer.
   */
  async policies(): Promise<string[]> {
    const client = this.connections.producer;
    if (!this.connections.producerReady) return this.last;
    const nodes: RedisClient[] = client instanceof Cluster ? client.nodes('master') : [client];
    const infos = await withTimeout(
      Promise.all(nodes.map((n) => n.info('memory'))),
      1_000,
      () => new Error('INFO memory timed out'),
    ).catch(() => undefined);
    if (!infos) return this.last;
    this.last = [...new Set(infos.map(parseMaxmemoryPolicy))].sort();
    return this.last;
  }

  /** True when every master evicts nothing (unknown counts as unsafe: it cannot be shown safe). */
  static safe(policies: string[]): boolean {
    return policies.length > 0 && policies.every((p) => p === 'noeviction');
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.connections.ready(2_000);
    const policies = await this.policies();
    if (QueueEvictionCheck.safe(policies)) return;
    if (policies.includes('unknown')) {
      this.logger.warn('could not read Redis maxmemory-policy (INFO memory): BullMQ needs noeviction');
      return;
    }
    const line = '!'.repeat(100);
    this.logger.error(line);
    this.logger.error(
      `Redis maxmemory-policy is ${policies.join(', ')}, not noeviction: when memory fills up Redis may ` +
        'evict BullMQ keys and jobs are lost silently. Set `maxmemory-policy noeviction` ' +
        '(shown in /health/ready under queues.maxmemoryPolicy).',
    );
    this.logger.error(line);
  }
}
