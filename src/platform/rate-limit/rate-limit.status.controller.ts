import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ExecutionContextHost } from '../compat/nestjs-core.compat.js';
import { KeyBuilder } from '../redis/index.js';
import { RateLimitExplorer } from './rate-limit.explorer.js';
import { RateLimitGuard } from './rate-limit.guard.js';
import { RateLimiter } from './rate-limit.service.js';
import { defaultTracker } from './rate-limit.tracker.js';
import type { PolicyCheck } from './rate-limit.types.js';
import { Public } from '../auth/auth.decorators.js';
import { setHeader, type AnyRequest, type AnyResponse } from '../http/adapter.js';

/** One policy on one route, as seen by the caller. */
export interface RateLimitStatusEntry {
  policy: string;
  route: string;
  limit: number;
  /** Window, seconds. */
  window: number;
  cost: number;
  remaining: number;
  /** Seconds until the quota is fully restored. */
  reset: number;
}

/**
 * `GET /rate-limit/status`: the caller's remaining quota and reset per policy and route, read in one
 * Redis call without consuming anything. Composite-key policies (`login`, keyed by the username too) and
 * routes tracked by IP when the caller has a principal live under other keys and are left out. The route
 * itself takes the global `default` policy (one unit a call), so polling it is limited like any route.
 */
@ApiTags('rate-limit')
@Public()
@Controller('rate-limit')
export class RateLimitStatusController {
  constructor(
    private readonly explorer: RateLimitExplorer,
    private readonly guard: RateLimitGuard,
    private readonly limiter: RateLimiter,
    private readonly keys: KeyBuilder,
  ) {}

  @Get('status')
  @ApiOperation({ summary: "The caller's remaining quota and reset per policy, without consuming" })
  @ApiOkResponse({
    description: '{ tracker, source, policies: [{ policy, route, limit, window, cost, remaining, reset }] }',
  })
  async status(
    @Req() req: AnyRequest,
    @Res({ passthrough: true }) res: AnyResponse,
  ): Promise<{ tracker: 'principal' | 'ip'; source: string; policies: RateLimitStatusEntry[] }> {
    setHeader(res, 'Cache-Control', 'no-store');
    const tracker = defaultTracker(req as unknown as Record<string, unknown>);
    const tag = this.keys.tagged('rl', [tracker]) + ':';
    const checks: PolicyCheck[] = [];
    const routes: string[] = [];
    const seen = new Set<string>();
    for (const route of this.explorer.routes) {
      if (/^\S+ \/(health|metrics)(\/|$)/.test(route.name)) continue;
      const context = new ExecutionContextHost([req, res, undefined], route.classRef as never, route.handler);
      context.setType('http');
      for (const check of await this.guard.plan(context)) {
        if (!check.key.startsWith(tag) || check.composite || seen.has(check.key)) continue;
        seen.add(check.key);
        checks.push(check);
        routes.push(route.name);
      }
    }
    const decision = await this.limiter.peek(checks);
    return {
      tracker: tracker.startsWith('p:') ? 'principal' : 'ip',
      source: decision.source,
      policies: decision.results.map((r, i) => ({
        policy: r.policy,
        route: routes[i]!,
        limit: r.limit,
        window: Math.ceil(r.windowMs / 1000),
        cost: checks[i]!.cost,
        remaining: r.remaining,
        reset: Math.ceil(r.resetMs / 1000),
      })),
    };
  }
}
