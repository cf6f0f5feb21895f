import { afterAll, beforeAll, describe, it } from '@jest/globals';
import type { Cluster, Redis } from 'ioredis';
import { startCluster, type ClusterHandle } from './redis-cluster.js';
import { startSentinel, type SentinelHandle } from './redis-sentinel.js';
import { startRedis, type RedisHandle } from './redis-standalone.js';

/** The Redis deployments the shared suites run against. */
export type Topology = 'standalone' | 'sentinel' | 'cluster';

const all: Topology[] = ['standalone', 'sentinel', 'cluster'];

/** The selected topologies: `TEST_TOPOLOGIES=standalone,cluster`, default all three. */
export const topologies: Topology[] = (() => {
  const raw = process.env.TEST_TOPOLOGIES?.trim();
  if (!raw) return all;
  const picked = raw.split(',').map((t) => t.trim()) as Topology[];
  const unknown = picked.filter((t) => !all.includes(t));
  if (unknown.length)
    throw new Error(`TEST_TOPOLOGIES: unknown topology ${unknown.join(', ')} (use ${all.join(', ')})`);
  return picked;
})();

/** A running deployment of one topology. */
export interface TopologyHandle {
  topology: Topology;
  /** Environment for an app process or RedisModule config (`REDIS_URL`, `REDIS_SENTINELS`, ...). */
  env: Record<string, string>;
  /** A new test client of the matching kind; `stop()` closes it. */
  client(): Redis | Cluster;
  /** Restarts every Redis server of the deployment (same ports, same data) and waits until it is whole. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** The underlying handle of the matching kind, for topology-specific tests (`killMaster()`, ...). */
  standalone?: RedisHandle;
  sentinel?: SentinelHandle;
  cluster?: ClusterHandle;
}

/**
 * Starts one deployment of `topology`: a standalone server, a Sentinel group or a 6-node cluster.
 */
export async function startTopology(topology: Topology): Promise<TopologyHandle> {
  const common = (handle: RedisHandle | SentinelHandle | ClusterHandle) => ({
    topology,
    env: { ...handle.env },
    client: () => handle.client(),
    restart: () => handle.restart(),
    stop: () => handle.stop(),
  });
  if (topology === 'standalone') {
    const standalone = await startRedis();
    return { ...common(standalone), standalone };
  }
  if (topology === 'sentinel') {
    const sentinel = await startSentinel();
    return { ...common(sentinel), sentinel };
  }
  const cluster = await startCluster();
  return { ...common(cluster), cluster };
}

/**
 * Declares `describe('<name> [<topology>]')` for every selected topology (optionally narrowed by `only`),
 * with the deployment started in beforeAll and stopped in afterAll.
 *
 * @example
 * describeEachTopology('LockService', (redis) => {
 *   it('locks', async () => { const client = redis().client(); ... });
 * });
 */
export function describeEachTopology(
  name: string,
  fn: (get: () => TopologyHandle, topology: Topology) => void,
  only?: Topology[],
): void {
  const selected = topologies.filter((t) => !only || only.includes(t));
  if (selected.length === 0) {
    // Jest fails a file without tests: say why nothing ran instead.
    describe.skip(`${name} (no selected topology)`, () =>
      it('is skipped by TEST_TOPOLOGIES', () => undefined));
    return;
  }
  for (const topology of selected) {
    describe(`${name} [${topology}]`, () => {
      let handle: TopologyHandle | undefined;
      beforeAll(async () => {
        handle = await startTopology(topology);
      }, 60_000);
      afterAll(async () => {
        await handle?.stop();
      }, 30_000);
      fn(() => {
        if (!handle) throw new Error(`the ${topology} deployment did not start (see beforeAll)`);
        return handle;
      }, topology);
    });
  }
}
