// Faults on the harness's Redis topologies that the harness itself does not offer: a Cluster master's
// kill -9 with replica promotion, a live slot migration, a standalone SIGSTOP.
import { Redis } from 'ioredis';
import type { ClusterHandle } from '../support/redis-cluster.js';
import type { RedisHandle } from '../support/redis-standalone.js';
import { waitUntil } from '../support/wait.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A short-lived admin connection to one node. */
async function withNode<T>(port: number, fn: (c: Redis) => Promise<T>): Promise<T> {
  const c = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 1_000,
  });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return await fn(c);
  } finally {
    c.disconnect();
  }
}

/** `process_id` of a server, from INFO. */
export async function serverPid(port: number): Promise<number> {
  return withNode(port, async (c) => Number(/^process_id:(\d+)/m.exec(await c.info('server'))?.[1]));
}

interface ClusterNode {
  id: string;
  port: number;
  master: boolean;
  failed: boolean;
  slots: Array<[number, number]>;
}

/** CLUSTER NODES as seen by the node on `port`. */
async function clusterNodes(port: number): Promise<ClusterNode[]> {
  const text = String(await withNode(port, (c) => c.call('CLUSTER', 'NODES')));
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [id, addr, flags, , , , , , ...slots] = line.split(' ');
      return {
        id: id!,
        port: Number(/:(\d+)@/.exec(addr!)?.[1]),
        master: flags!.includes('master'),
        failed: flags!.includes('fail'),
        slots: slots
          .filter((s) => !s.startsWith('['))
          .map((s) => s.split('-').map(Number))
          .map(([a, b]) => [a!, b ?? a!] as [number, number]),
      };
    });
}

/** The slot of a hash tag (`car:x` for `{prefix}:lock:{car:x}`). */
export async function slotOf(cluster: ClusterHandle, tag: string): Promise<number> {
  return Number(await withNode(cluster.nodes[0]!.port, (c) => c.call('CLUSTER', 'KEYSLOT', `{${tag}}`)));
}

async function liveNodes(cluster: ClusterHandle, exclude: number[] = []): Promise<ClusterNode[]> {
  for (const { port } of cluster.nodes) {
    if (exclude.includes(port)) continue;
    try {
      return await clusterNodes(port);
    } catch {
      // that node is down: ask the next one
    }
  }
  throw new Error('no cluster node answers');
}

const owner = (nodes: ClusterNode[], slot: number) =>
  nodes.find((n) => n.master && !n.failed && n.slots.some(([a, b]) => slot >= a && slot <= b));

/** Kills (-9) the master that owns `slot` and waits until its replica serves the slot. @returns its port */
export async function killMasterOf(cluster: ClusterHandle, slot: number): Promise<number> {
  const victim = owner(await liveNodes(cluster), slot);
  if (!victim) throw new Error(`no master owns slot ${slot}`);
  process.kill(await serverPid(victim.port), 'SIGKILL');
  await waitUntil(
    async () => {
      const nodes = await liveNodes(cluster, [victim.port]).catch(() => []);
      const next = owner(nodes, slot);
      if (!next || next.port === victim.port) return false;
      const state = String(await withNode(next.port, (c) => c.call('CLUSTER', 'INFO')));
      return /cluster_state:ok/.test(state);
    },
    {
      timeoutMs: 30_000,
      intervalMs: 200,
      message: `slot ${slot} was not taken over after its master's kill -9`,
    },
  );
  return victim.port;
}

/**
 * Moves `slot` to another master while traffic runs: IMPORTING / MIGRATING, MIGRATE of its keys in
 * batches (clients meanwhile get ASK and TRYAGAIN), then SETSLOT NODE on every master.
 */
export async function migrateSlot(cluster: ClusterHandle, slot: number): Promise<void> {
  const nodes = await liveNodes(cluster);
  const source = owner(nodes, slot);
  if (!source) throw new Error(`no master owns slot ${slot}`);
  const masters = nodes.filter((n) => n.master && !n.failed);
  const target = masters[(masters.indexOf(source) + 1) % masters.length]!;
  await withNode(target.port, (c) => c.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', source.id));
  await withNode(source.port, (c) => c.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', target.id));
  await withNode(source.port, async (c) => {
    for (;;) {
      const keys = (await c.call('CLUSTER', 'GETKEYSINSLOT', slot, 50)) as string[];
      if (keys.length === 0) break;
      await c.call('MIGRATE', '127.0.0.1', target.port, '', 0, 5_000, 'REPLACE', 'KEYS', ...keys);
      await sleep(20); // a live migration, not a bulk copy: traffic keeps hitting both sides
    }
  });
  for (const m of [target, source, ...masters.filter((n) => n !== target && n !== source)]) {
    await withNode(m.port, (c) => c.call('CLUSTER', 'SETSLOT', slot, 'NODE', target.id));
  }
}

/** SIGSTOP for `ms`, then SIGCONT: a Redis that stalls (fork, swap, a slow command). */
export async function stall(redis: RedisHandle, ms: number): Promise<void> {
  const pid = await serverPid(redis.port);
  process.kill(pid, 'SIGSTOP');
  try {
    await sleep(ms);
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}
