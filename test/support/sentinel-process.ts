import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnTracked, type TrackedChild } from './child.js';
import { freePort } from './ports.js';
import { withProbe } from './redis-node.js';
import { waitUntil } from './wait.js';

/** A running `redis-sentinel`; its output (Sentinel logs to stdout) is in `proc.output()`. */
export interface SentinelProcess {
  port: number;
  proc: TrackedChild;
}

/**
 * Starts one `redis-sentinel` on a free loopback port, monitoring `masterName` at 127.0.0.1:`masterPort`
 * with quorum 2, down-after 1 s and failover-timeout 3 s; resolves once it answers PING.
 */
export async function startSentinelProcess(
  dir: string,
  masterName: string,
  masterPort: number,
): Promise<SentinelProcess> {
  mkdirSync(dir, { recursive: true });
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const config = join(dir, 'sentinel.conf');
    // Sentinel rewrites this file (discovered replicas and peers, epochs): it must be a writable copy.
    writeFileSync(
      config,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        'sentinel resolve-hostnames no',
        `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 2`,
        `sentinel down-after-milliseconds ${masterName} 1000`,
        `sentinel failover-timeout ${masterName} 3000`,
        '',
      ].join('\n'),
    );
    const proc = await spawnTracked('redis-sentinel', [config], { kind: 'redis-sentinel', cwd: dir });
    const state = await waitUntil(
      // An exit ends the wait at once; the output says why.
      () => (proc.running ? withProbe(port, async (c) => (await c.ping()) === 'PONG' && 'up') : 'exited'),
      { message: `redis-sentinel on ${port} did not answer PING`, timeoutMs: 10_000 },
    ).catch(async (err: Error) => {
      await proc.kill();
      throw err;
    });
    if (state === 'up') return { port, proc };
    if (attempt >= 3 || !/address already in use/i.test(proc.output())) {
      throw new Error(`redis-sentinel exited during start:\n${proc.output().slice(-2_000)}`);
    }
  }
}
