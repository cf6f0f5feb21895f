import { Body, Controller, Get, HttpCode, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { addDays, CounterRangeError, dayOf, DailyCountersService } from '../../platform/counters/index.js';
import { ProblemException } from '../../platform/http/index.js';
import { RedisUnavailableInterceptor } from '../../platform/unavailable/index.js';
import { PageStatsDto, PageStatsQuery, TrackEventDto } from './analytics.dto.js';
import { Public } from '../../platform/auth/index.js';

/** The counters namespace of page views. */
const PAGES = 'pages';

/**
 * One page, one counter: the fragment is dropped (never sent by browsers), repeated slashes collapsed and
 * a trailing slash removed, so `/a//b/#top` and `/a/b` count together. The query string is kept: it can
 * name another page of an app; the day's bounded set of paths caps what it can add.
 */
export function normalizePath(path: string): string {
  const h = path.indexOf('#');
  let p = (h === -1 ? path : path.slice(0, h)).replace(/\/{2,}/g, '/');
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p || '/';
}

/** Page views (exact, INCRBY) and unique visitors (HyperLogLog) per path and UTC day. */
@ApiTags('analytics')
@UseInterceptors(RedisUnavailableInterceptor)
@Public()
@Controller('analytics')
export class AnalyticsController {
  constructor(private readonly counters: DailyCountersService) {}

  /**
   * Records one page view: one Lua call (INCRBY + PFADD on today's keys of the path); past
   * ANALYTICS_MAX_PATHS_PER_DAY paths a day, new paths are counted under the day's overflow key.
   */
  @Post('events')
  @HttpCode(202)
  @ApiAcceptedResponse({ description: 'recorded' })
  async track(@Body() dto: TrackEventDto): Promise<void> {
    await this.counters.record(PAGES, normalizePath(dto.path), dto.visitorId);
  }

  /** Views and unique visitors of a path from `from` to `to` (UTC days, both included). */
  @Get('pages')
  @ApiOkResponse({ type: PageStatsDto })
  async page(@Query() query: PageStatsQuery): Promise<PageStatsDto> {
    // Defaults: up to today (UTC), from 6 days before `to`: the last 7 days, today included.
    const to = query.to ?? dayOf(new Date());
    const from = query.from ?? addDays(to, -6);
    try {
      const path = normalizePath(query.path);
      const { total, unique } = await this.counters.summary(PAGES, path, from, to);
      return { path, from, to, views: total, uniqueVisitors: unique };
    } catch (err) {
      if (err instanceof CounterRangeError) {
        throw new ProblemException(400, 'validation-error', 'Bad Request', {
          detail: err.message,
          errors: [{ field: 'from', messages: [err.message] }],
          cause: err,
        });
      }
      throw err;
    }
  }
}
