import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster, type ClusterOptions } from 'ioredis';
import { freeClusterPorts } from './ports.js';
import { parseInfo, startRedisNode, withProbe, type RedisNode } from './redis-node.js';
import { testTmpDir } from './tmp.js';
import { waitUntil } from './wait.js';

const run = promisify(execFile);

/** A running 3-master / 3-replica Redis Cluster on 127.0.0.1. */
export interface ClusterHandle {
  nodes: Array<{ host: string; port: number }>;
  /** Environment for an app process: `REDIS_CLUSTER_NODES=host:port,...`. */
  env: { REDIS_CLUSTER_NODES: string };
  /** Options of {@link client}. */
  options: ClusterOptions;
  /** A new cluster-aware test client; `stop()` closes it. */
  client(): Cluster;
  /** SIGTERM every node and start it again (same ports, same data), then waits for `cluster_state:ok`. */
  restart(): Promise<void>;
  /** Closes the test clients and stops every node. */
  stop(): Promise<void>;
}

async function stopAll(nodes: RedisNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.stop()));
}

/** Every node agrees: state ok, 16384 slots served, all 6 nodes known. */
async function clusterConverged(nodes: RedisNode[]): Promise<boolean> {
  const infos = await Promise.all(
    nodes.map((n) => withProbe(n.port, async (c) => parseInfo(String(await c.call('CLUSTER', 'INFO'))))),
  );
  return infos.every(
    (i) =>
      i.cluster_state === 'ok' &&
      i.cluster_slots_assigned === '16384' &&
      i.cluster_slots_ok === '16384' &&
      i.cluster_known_nodes === String(nodes.length),
  );
}

function waitForConvergence(nodes: RedisNode[]): Promise<boolean> {
  return waitUntil(() => clusterConverged(nodes), {
    message: 'the cluster did not reach cluster_state:ok with 16384 slots on every node',
    timeoutMs: 20_000,
  });
}

/**
 * Starts 6 `redis-server` nodes (cluster mode, node timeout 2 s), joins them with
 * `redis-cli --cluster create --cluster-replicas 1`, and waits until every node reports `cluster_state:ok`
 * with all 16384 slots.
 *
 * @example const cluster = await startCluster(); const client = cluster.client();
 */
export async function startCluster(): Promise<ClusterHandle> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startClusterOnce();
    } catch (err) {
      // The ports were free when picked; a parallel worker may have bound one since.
      if (attempt >= 3 || !/address already in use/i.test((err as Error).message)) throw err;
    }
  }
}

async function startClusterOnce(): Promise<ClusterHandle> {
  const ports = await freeClusterPorts(6);
  const root = testTmpDir('cluster');
  const nodes: RedisNode[] = [];
  try {
    const started = await Promise.allSettled(
      ports.map((port) => {
        const dir = join(root, String(port));
        return startRedisNode({
          port,
          dir,
          appendOnly: true, // restart() keeps the data
          extraArgs: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(dir, 'nodes.conf'),
            '--cluster-node-timeout',
            '2000',
            '--repl-diskless-sync-delay', // replicas sync at once, not after the default 5 s
            '0',
            '--shutdown-timeout', // SIGTERM does not wait up to 10 s for lagging replicas
            '0',
          ],
        });
      }),
    );
    for (const s of started) if (s.status === 'fulfilled') nodes.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;

    const addresses = ports.map((p) => `127.0.0.1:${p}`);
    const create = ['--cluster', 'create', ...addresses, '--cluster-replicas', '1', '--cluster-yes'];
    try {
      await run('redis-cli', create, { timeout: 30_000 });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      throw new Error(`redis-cli --cluster create failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`, {
        cause: err,
      });
    }
    await waitForConvergence(nodes);
  } catch (err) {
    await stopAll(nodes);
    throw err;
  }

  const seeds = ports.map((port) => ({ host: '127.0.0.1', port }));
  const options: ClusterOptions = { clusterRetryStrategy: (times) => Math.min(times * 100, 1_000) };
  const clients = new Set<Cluster>();
  return {
    nodes: seeds,
    env: { REDIS_CLUSTER_NODES: joinAddresses(seeds) },
    options,
    client() {
      const client = new Cluster(seeds, options);
      client.on('error', () => undefined); // node failures are expected in some tests; commands still reject
      clients.add(client);
      client.once('end', () => clients.delete(client));
      return client;
    },
    async restart() {
      await stopAll(nodes);
      await Promise.all(nodes.map((n) => n.start()));
      await waitForConvergence(nodes);
    },
    async stop() {
      for (const client of clients) client.disconnect();
      clients.clear();
      await stopAll(nodes);
    },
  };
}

function joinAddresses(nodes: Array<{ host: string; port: number }>): string {
  return nodes.map((n) => `${n.host}:${n.port}`).join(',');
}
