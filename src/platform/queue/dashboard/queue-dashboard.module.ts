import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BULL_BOARD_INSTANCE, BullBoardModule, type BullBoardInstance } from '@bull-board/nestjs';
import { Inject, Injectable, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { QueueRegistry } from '../queue.registry.js';
import { DEAD_LETTER_QUEUE } from '../queue.types.js';
import { dashboardGate } from './queue-dashboard.gate.js';

/** Where the dashboard is served. */
export const DASHBOARD_ROUTE = '/admin/queues';

/** Puts every registered queue on the board once the queues exist. */
@Injectable()
export class QueueDashboardLoader implements OnApplicationBootstrap {
  constructor(
    private readonly registry: QueueRegistry,
    @Inject(BULL_BOARD_INSTANCE) private readonly board: BullBoardInstance,
  ) {}

  onApplicationBootstrap(): void {
    this.board.replaceQueues(
      [...this.registry.all()].map(
        ([name, queue]) =>
          new BullMQAdapter(queue, {
            description:
              name === DEAD_LETTER_QUEUE ? 'jobs that used all their attempts, with the reason' : undefined,
          }),
      ),
    );
  }
}

/**
 * bull-board at `/admin/queues`, behind the admin token (see dashboardGate: bearer, Basic or the session
 * cookie it sets; 404 without ADMIN_TOKEN). A separate module from QueueModule because @bull-board/nestjs
 * is CommonJS that `require()`s Nest's ES modules: fine in the built app (Node >= 20.19), not under Jest's
 * loader, so in-process tests can import QueueModule without it.
 */
@Module({
  imports: [
    BullBoardModule.forRootAsync({
      inject: [ConfigService],
      useFactory: async (config: ConfigService) => {
        const token = config.get<string>('http.adminToken');
        // The board mounts on the app's own HTTP adapter (HTTP_ADAPTER, checked at boot). On Fastify the
        // gate lives in the board's plugin (see gatedFastifyAdapter), not in Nest middleware.
        const fastify = config.get<string>('http.adapter') === 'fastify';
        return {
          route: DASHBOARD_ROUTE,
          adapter: fastify
            ? (await import('./queue-dashboard.fastify.js')).gatedFastifyAdapter(token, DASHBOARD_ROUTE)
            : ExpressAdapter,
          middleware: fastify ? [] : dashboardGate(token, DASHBOARD_ROUTE),
          boardOptions: { uiConfig: { boardTitle: 'Queues' } },
        };
      },
    }),
  ],
  providers: [QueueDashboardLoader],
})
export class QueueDashboardModule {}
