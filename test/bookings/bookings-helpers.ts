// Helpers of the bookings specs: dates, overlap checks, Redis masters, and a raw PostgreSQL client.
import { Cluster, type Redis } from 'ioredis';
import pg from 'pg';

/** `YYYY-MM-DD` (UTC) `days` from today. */
export const day = (days: number): string =>
  new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** A date range, end exclusive. */
export interface Range {
  startDate: string;
  endDate: string;
}

/** [a.start, a.end) and [b.start, b.end) share a day. */
export const overlaps = (a: Range, b: Range): boolean => a.startDate < b.endDate && b.startDate < a.endDate;

/** Pairs of overlapping ranges in a list. */
export function overlappingPairs(list: Range[]): number {
  let pairs = 0;
  for (let i = 0; i < list.length; i++)
    for (let j = i + 1; j < list.length; j++) if (overlaps(list[i]!, list[j]!)) pairs++;
  return pairs;
}

/** The master nodes to run a per-node command on (FLUSHALL, INFO): the client itself when standalone. */
export async function masters(client: Redis | Cluster): Promise<Redis[]> {
  if (!(client instanceof Cluster)) return [client];
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
  return client.nodes('master');
}

/** Sum of `INFO commandstats` calls per command over the masters. */
export async function commandCalls(client: Redis | Cluster): Promise<Map<string, number>> {
  const totals = new Map<string, number>();
  for (const node of await masters(client)) {
    const info = await node.info('commandstats');
    for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      totals.set(m[1]!, (totals.get(m[1]!) ?? 0) + Number(m[2]));
    }
  }
  return totals;
}

/**
 * Per-command difference `after - before`, without zero entries, the probe's own INFO calls, ioredis
 * Cluster's periodic slot refreshes (`cluster|slots`) and replicas' REPLCONF ACKs: none is on a request path.
 */
export function delta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, calls] of after) {
    const d = calls - (before.get(name) ?? 0);
    if (d !== 0 && !['info', 'replconf'].includes(name) && !name.startsWith('cluster')) out[name] = d;
  }
  return out;
}

/** A single raw PostgreSQL connection to look at the table the apps write. */
export async function pgClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}
