import { describe, it } from '@jest/globals';
import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import type { TestingModule } from '@nestjs/testing';
import { describeEachTopology, topologies, type Topology, type TopologyHandle } from './topologies.js';

/** The HTTP adapters of the app (`HTTP_ADAPTER`). */
export type Adapter = 'express' | 'fastify';

const all: Adapter[] = ['express', 'fastify'];

/**
 * The selected adapters: `TEST_ADAPTERS=fastify`, default both. The decorator and HTTP specs run on
 * each; Express on every selected topology, Fastify on standalone only (the adapter does not touch
 * Redis: one topology proves it, and CI time stays within its budget).
 */
export const adapters: Adapter[] = (() => {
  const raw = process.env.TEST_ADAPTERS?.trim();
  if (!raw) return all;
  const picked = raw.split(',').map((a) => a.trim()) as Adapter[];
  const unknown = picked.filter((a) => !all.includes(a));
  if (unknown.length)
    throw new Error(`TEST_ADAPTERS: unknown adapter ${unknown.join(', ')} (use ${all.join(', ')})`);
  return picked;
})();

/** The topologies an adapter's variant of a shared suite runs on. */
const ADAPTER_TOPOLOGIES: Record<Adapter, Topology[] | undefined> = {
  express: undefined, // every selected one
  fastify: ['standalone'],
};

function skipped(name: string, why: string): void {
  // Jest fails a file without tests: say why nothing ran instead.
  describe.skip(`${name} (${why})`, () => it(`is skipped by ${why}`, () => undefined));
}

/**
 * Declares `describe('<name> [<adapter>]')` for every selected adapter.
 * @example
 * describeEachAdapter('HTTP basics', (adapter) => {
 *   beforeAll(async () => { app = await startApp({ adapter, env }); });
 * });
 */
export function describeEachAdapter(name: string, fn: (adapter: Adapter) => void): void {
  if (adapters.length === 0) return skipped(name, 'TEST_ADAPTERS');
  for (const adapter of adapters) describe(`${name} [${adapter}]`, () => fn(adapter));
}

/**
 * `describeEachTopology` for each selected adapter: Express on every selected topology, Fastify on
 * standalone only (when selected). Titles read `<name> [fastify] [standalone]`; Express keeps the plain
 * `<name> [<topology>]`.
 */
export function describeEachTopologyAndAdapter(
  name: string,
  fn: (get: () => TopologyHandle, topology: Topology, adapter: Adapter) => void,
  only?: Topology[],
): void {
  for (const adapter of adapters) {
    const limit = ADAPTER_TOPOLOGIES[adapter];
    const chosen = limit ? (only ?? limit).filter((t) => limit.includes(t)) : only;
    if (limit && !chosen!.some((t) => topologies.includes(t))) {
      skipped(`${name} [${adapter}]`, 'TEST_TOPOLOGIES');
      continue;
    }
    describeEachTopology(
      adapter === 'express' ? name : `${name} [${adapter}]`,
      (get, topology) => fn(get, topology, adapter),
      chosen,
    );
  }
}

/**
 * An in-process app (from `Test.createTestingModule`) on `adapter`, initialised and ready to serve
 * supertest through `getHttpServer()` (Fastify answers only once `ready()` has run).
 */
export async function createTestApp(
  moduleRef: TestingModule,
  adapter: Adapter,
  options: NestApplicationOptions = {},
  configure?: (app: INestApplication) => void,
): Promise<INestApplication> {
  let app: INestApplication;
  if (adapter === 'fastify') {
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    app = moduleRef.createNestApplication(new FastifyAdapter(), options);
  } else app = moduleRef.createNestApplication(options);
  configure?.(app);
  await app.init();
  if (adapter === 'fastify')
    await (app.getHttpAdapter().getInstance() as { ready(): Promise<unknown> }).ready();
  return app;
}
