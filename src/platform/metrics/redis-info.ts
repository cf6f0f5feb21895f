import { Cluster } from 'ioredis';
import type { RedisClient } from '../redis/index.js';

/** The INFO fields the metrics and the admin summary use, summed over masters on a Cluster. */
export interface RedisInfoSnapshot {
  role: string;
  nodes: number;
  uptimeSeconds: number;
  usedMemoryBytes: number;
  maxmemoryBytes: number;
  fragmentationRatio: number;
  connectedClients: number;
  opsPerSecond: number;
  keyspaceHits: number;
  keyspaceMisses: number;
  keyspace: Record<string, { keys: number; expires: number }>;
}

/** Parses `field:value` lines of INFO into a map. */
export function parseInfo(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const idx = line.indexOf(':');
    if (idx > 0 && !line.startsWith('#')) map.set(line.slice(0, idx), line.slice(idx + 1));
  }
  return map;
}

function num(map: Map<string, string>, key: string): number {
  const v = Number(map.get(key));
  return Number.isFinite(v) ? v : 0;
}

/** Reads INFO from the node (or every Cluster master) and folds it into one snapshot. */
export async function readRedisInfo(client: RedisClient): Promise<RedisInfoSnapshot> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  const infos = await Promise.all(nodes.map(async (n) => parseInfo(await n.info())));
  const snap: RedisInfoSnapshot = {
    role: client instanceof Cluster ? 'cluster' : (infos[0]?.get('role') ?? 'unknown'),
    nodes: infos.length,
    uptimeSeconds: Math.min(...infos.map((i) => num(i, 'uptime_in_seconds'))),
    usedMemoryBytes: 0,
    maxmemoryBytes: 0,
    fragmentationRatio: 0,
    connectedClients: 0,
    opsPerSecond: 0,
    keyspaceHits: 0,
    keyspaceMisses: 0,
    keyspace: {},
  };
  for (const info of infos) {
    snap.usedMemoryBytes += num(info, 'used_memory');
    snap.maxmemoryBytes += num(info, 'maxmemory');
    snap.fragmentationRatio = Math.max(snap.fragmentationRatio, num(info, 'mem_fragmentation_ratio'));
    snap.connectedClients += num(info, 'connected_clients');
    snap.opsPerSecond += num(info, 'instantaneous_ops_per_sec');
    snap.keyspaceHits += num(info, 'keyspace_hits');
    snap.keyspaceMisses += num(info, 'keyspace_misses');
    for (const [key, value] of info) {
      const m = /^(db\d+)$/.exec(key);
      if (!m) continue;
      const fields = Object.fromEntries(value.split(',').map((kv) => kv.split('=') as [string, string]));
      const db = (snap.keyspace[m[1]!] ??= { keys: 0, expires: 0 });
      db.keys += Number(fields.keys ?? 0);
      db.expires += Number(fields.expires ?? 0);
    }
  }
  return snap;
}
