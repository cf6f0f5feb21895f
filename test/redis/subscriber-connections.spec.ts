import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { startApp, type AppHandle } from '../support/app-process.js';
import { createTestDatabase } from '../support/pg-shared.js';
import { describeEachTopology } from '../support/topologies.js';

/** Every server of the deployment (all cluster nodes, or the one standalone/master server). */
function serverPorts(env: Record<string, string>): number[] {
  if (env.REDIS_CLUSTER_NODES) return env.REDIS_CLUSTER_NODES.split(',').map((n) => Number(n.split(':')[1]));
  return [Number(new URL(env.REDIS_URL!).port)];
}

/** The app's connections in subscriber mode (SUBSCRIBE or SSUBSCRIBE), over every server. */
async function subscriberConnections(ports: number[]): Promise<string[]> {
  const found: string[] = [];
  for (const port of ports) {
    const probe = new Redis({ host: '127.0.0.1', port, lazyConnect: true });
    try {
      await probe.connect();
      const list = String(await probe.call('CLIENT', 'LIST'));
      for (const line of list.split('\n')) {
        const f = Object.fromEntries(line.split(' ').map((kv) => kv.split('=')));
        if (Number(f.sub ?? 0) + Number(f.psub ?? 0) + Number(f.ssub ?? 0) > 0)
          found.push(`${port} name=${f.name} sub=${f.sub} ssub=${f.ssub ?? 0}`);
      }
    } finally {
      probe.disconnect();
    }
  }
  return found;
}

describeEachTopology(
  'subscriber connections per instance',
  (redis, topology) => {
    let app: AppHandle;

    beforeAll(async () => {
      app = await startApp({ env: { ...redis().env, DATABASE_URL: await createTestDatabase() } });
    }, 60_000);

    afterAll(async () => {
      await app?.stop();
    });

    it('an app instance holds one subscriber connection (cache bus, pub/sub and lock notifications share it)', async () => {
      const found = await subscriberConnections(serverPorts(redis().env));
      console.log(`[${topology}] subscriber connections: ${found.length}\n${found.join('\n')}`);
      expect(found).toHaveLength(1);
    });
  },
  // Cluster is the case with several shards (standalone has one server, Sentinel one master); the link's
  // reconnect and resubscribe are tested on every topology in subscriber-link.spec.ts.
  ['cluster'],
);
