import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyPluginCallback } from 'fastify';
import { dashboardGate } from './queue-dashboard.gate.js';

/**
 * bull-board's Fastify adapter with the admin gate inside the dashboard's own plugin: an `onRequest` hook
 * of its encapsulated context, so it runs for the dashboard's routes only (page, API, assets) and no Nest
 * middleware layer (@fastify/middie, a path match on every request) sits in front of every other route.
 * The gate answers on Node's response, as on Express; the reply is then handed over (hijacked).
 * @example BullBoardModule.forRoot({ route, adapter: gatedFastifyAdapter(token, route), middleware: [] })
 */
export function gatedFastifyAdapter(adminToken: string | undefined, basePath: string): typeof FastifyAdapter {
  const gate = dashboardGate(adminToken, basePath);
  return class GatedFastifyAdapter extends FastifyAdapter {
    override registerPlugin(): FastifyPluginCallback {
      const plugin = super.registerPlugin() as FastifyPluginCallback;
      return (fastify, opts, done) => {
        fastify.addHook('onRequest', (request, reply, next) => {
          // The gate reads Express's `protocol`/`secure` (X-Forwarded-Proto under TRUST_PROXY): Fastify's
          // `request.protocol` follows the same trust rule.
          const raw = Object.assign(request.raw, {
            protocol: request.protocol,
            secure: request.protocol === 'https',
          });
          let passed = false;
          gate(raw, reply.raw, () => (passed = true));
          if (passed) next();
          else reply.hijack();
        });
        plugin(fastify, opts, done);
      };
    }
  };
}
