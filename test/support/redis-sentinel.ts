import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { parseInfo, startRedisNode, withProbe, type RedisNode } from './redis-node.js';
import { startSentinelProcess, type SentinelProcess } from './sentinel-process.js';
import { testTmpDir } from './tmp.js';
import { waitUntil } from './wait.js';

const masterName = 'mymaster';

/** A host and port. */
export interface Address {
  host: string;
  port: number;
}

/** One master, one replica and three Sentinels (quorum 2) on 127.0.0.1. */
export interface SentinelHandle {
  masterName: 'mymaster';
  sentinels: Address[];
  /** Environment for an app process: `REDIS_SENTINELS=host:port,...`, `REDIS_SENTINEL_NAME`. */
  env: { REDIS_SENTINELS: string; REDIS_SENTINEL_NAME: string };
  /** Options of {@link client}. */
  options: RedisOptions;
  /** A new Sentinel-aware test client; `stop()` closes it. */
  client(): Redis;
  /** The master the Sentinels currently report. */
  master(): Promise<Address>;
  /** SIGTERM every running Redis node and start it again (same ports, same data); Sentinels stay up. */
  restart(): Promise<void>;
  /** SIGKILL the current master. */
  killMaster(): Promise<void>;
  /** Resolves when every Sentinel reports a new master, and that node answers as a master. */
  waitForFailover(timeoutMs?: number): Promise<Address>;
  /** Closes the test clients, stops the Sentinels, then the nodes. */
  stop(): Promise<void>;
}

function pairsToRecord(reply: unknown): Record<string, string> {
  const flat = reply as string[];
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) record[flat[i]] = String(flat[i + 1]);
  return record;
}

async function reportedMaster(sentinelPort: number): Promise<Address> {
  const [host, port] = (await withProbe(sentinelPort, (c) =>
    c.call('SENTINEL', 'get-master-addr-by-name', masterName),
  )) as [string, string];
  return { host, port: Number(port) };
}

/** Waits until every replica among `nodes` has its link to the master up. */
async function waitForReplicas(nodes: RedisNode[]): Promise<void> {
  await waitUntil(
    async () => {
      const infos = await Promise.all(
        nodes.map((n) => withProbe(n.port, async (c) => parseInfo(await c.info('replication')))),
      );
      return infos.every((i) => i.role === 'master' || i.master_link_status === 'up');
    },
    { message: 'a replica did not sync with its master', timeoutMs: 15_000 },
  );
}

/**
 * Starts a master, `replicas` replicas (`--replicaof`, default 1) and three `redis-sentinel`s (down-after
 * 1 s, failover-timeout 3 s), and waits until the replicas are in sync and each Sentinel knows the master,
 * the replicas and its two peers.
 *
 * @example
 * const s = await startSentinel();
 * await s.killMaster();
 * const promoted = await s.waitForFailover();
 */
export async function startSentinel(opts: { replicas?: number } = {}): Promise<SentinelHandle> {
  const replicas = opts.replicas ?? 1;
  const root = testTmpDir('sentinel');
  const nodes: RedisNode[] = [];
  const sentinels: SentinelProcess[] = [];
  let knownMaster: Address | undefined;
  const shutdown = async (): Promise<void> => {
    await Promise.all(sentinels.map((s) => s.proc.stop('SIGTERM', 5_000)));
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    // AOF on, so restart() keeps the data; no diskless-sync delay (5 s by default) before a full resync; a
    // SIGTERM does not wait up to 10 s for lagging replicas (Redis 7's shutdown-timeout).
    const syncArgs = ['--repl-diskless-sync-delay', '0', '--shutdown-timeout', '0'];
    const master = await startRedisNode({ dir: join(root, 'master'), extraArgs: syncArgs });
    nodes.push(master);
    const replicaArgs = [...syncArgs, '--replicaof', '127.0.0.1', String(master.port)];
    for (let i = 0; i < replicas; i++) {
      const dir = join(root, i === 0 ? 'replica' : `replica-${i}`);
      nodes.push(await startRedisNode({ dir, extraArgs: replicaArgs }));
    }
    await waitForReplicas(nodes);
    const started = await Promise.allSettled(
      [0, 1, 2].map((i) => startSentinelProcess(join(root, `sentinel-${i}`), masterName, master.port)),
    );
    for (const s of started) if (s.status === 'fulfilled') sentinels.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    // Replicas are found through the master's INFO, peers through hello messages (every 2 s).
    await waitUntil(
      async () => {
        const views = await Promise.all(
          sentinels.map((s) =>
            withProbe(s.port, async (c) => pairsToRecord(await c.call('SENTINEL', 'master', masterName))),
          ),
        );
        return views.every((v) => v['num-slaves'] === String(replicas) && v['num-other-sentinels'] === '2');
      },
      { message: 'not every Sentinel knows the replicas and its two peers', timeoutMs: 15_000 },
    );
    knownMaster = await reportedMaster(sentinels[0].port);
  } catch (err) {
    const logs = sentinels
      .map((s) => `--- sentinel ${s.port} ---\n${s.proc.output().slice(-1_000)}`)
      .join('\n');
    await shutdown();
    throw new Error(`${(err as Error).message}\n${logs}`, { cause: err });
  }

  const addresses: Address[] = sentinels.map((s) => ({ host: '127.0.0.1', port: s.port }));
  const master = (): Promise<Address> => reportedMaster(sentinels[0].port);
  const options: RedisOptions = {
    sentinels: addresses,
    name: masterName,
    // No `failoverDetector`: in ioredis 6 its +switch-master handler can close a reconnect that is resolving
    // the master, and the client then ends for good ("Connection is closed.").
    retryStrategy: (times) => Math.min(times * 100, 1_000),
    sentinelRetryStrategy: (times) => Math.min(times * 100, 1_000),
    // A demoted master answers READONLY: reconnect (asks the Sentinels again) and resend.
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
  };
  const clients = new Set<Redis>();
  return {
    masterName,
    sentinels: addresses,
    env: {
      REDIS_SENTINELS: addresses.map((a) => `${a.host}:${a.port}`).join(','),
      REDIS_SENTINEL_NAME: masterName,
    },
    options,
    client() {
      const client = new Redis(options);
      client.on('error', () => undefined); // failovers are expected; commands still reject
      clients.add(client);
      client.once('end', () => clients.delete(client));
      return client;
    },
    master,
    async restart() {
      const running = nodes.filter((n) => n.running);
      await Promise.all(running.map((n) => n.stop()));
      await Promise.all(running.map((n) => n.start()));
      await waitForReplicas(running);
    },
    async killMaster() {
      const current = await master();
      knownMaster = current;
      const node = nodes.find((n) => n.port === current.port);
      if (!node) throw new Error(`no node on the reported master port ${current.port}`);
      await node.kill();
    },
    async waitForFailover(timeoutMs = 30_000) {
      const promoted = await waitUntil(
        async () => {
          const views = await Promise.all(sentinels.map((s) => reportedMaster(s.port)));
          const next = views[0];
          if (next.port === knownMaster?.port || views.some((v) => v.port !== next.port)) return undefined;
          const role = await withProbe(next.port, async (c) => parseInfo(await c.info('replication')).role);
          return role === 'master' ? next : undefined;
        },
        { message: `no failover away from port ${knownMaster?.port}`, timeoutMs, intervalMs: 100 },
      );
      knownMaster = promoted;
      return promoted;
    },
    async stop() {
      for (const client of clients) client.disconnect();
      clients.clear();
      await shutdown();
    },
  };
}
