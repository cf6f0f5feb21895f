import { createServer } from 'node:net';
import { findFreePort } from '../../src/platform/redis/redis-server.process.js';

/** A free TCP port on 127.0.0.1 (bound and released; a parallel worker may still take it first). */
export const freePort = (): Promise<number> => findFreePort('127.0.0.1');

/** Whether `port` can be bound on 127.0.0.1 right now. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * `count` distinct free ports below 55535 whose cluster bus port (port + 10000) is free too, since a
 * cluster node binds both and dies when the bus port is taken.
 */
export async function freeClusterPorts(count: number): Promise<number[]> {
  const picked = new Set<number>();
  for (let attempts = 0; picked.size < count; attempts++) {
    if (attempts > 200) throw new Error('could not find free port pairs for the cluster');
    const port = await freePort();
    if (port >= 55535 || picked.has(port) || picked.has(port + 10000) || picked.has(port - 10000)) continue;
    if (await isPortFree(port + 10000)) picked.add(port);
  }
  return [...picked];
}
