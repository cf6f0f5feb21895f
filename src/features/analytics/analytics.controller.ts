import { Body, Controller, Get, HttpCode, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { addDays, CounterRangeError, dayOf, DailyCountersService } from '../../platform/counters/index.js';
import { ProblemException } from '../../platform/http/index.js';
import { RedisUnavailableInterceptor } from '../../platform/unavailable/index.js';
import { PageStatsDto, PageStatsQuery, TrackEventDto } from './analytics.dto.js';
import { Public } from '../../platform/auth/index.js';

/** The counters namespace of page views. */
const PAGES = 'pages';

/** Page views (exact, INCRBY) and unique visitors (HyperLogLog) per path and UTC day. */
@ApiTags('analytics')
@UseInterceptors(RedisUnavailableInterceptor)
@Public()
@Controller('analytics')
export class AnalyticsController {
  constructor(private readonly counters: DailyCountersService) {}

  /** Records one page view: one Lua call (INCRBY + PFADD on today's keys of the path). */
  @Post('events')
  @HttpCode(202)
  @ApiAcceptedResponse({ description: 'recorded' })
  async track(@Body() dto: TrackEventDto): Promise<void> {
    await this.counters.record(PAGES, dto.path, dto.visitorId);
  }

  /** Views and unique visitors of a path from `from` to `to` (UTC days, both included). */
  @Get('pages')
  @ApiOkResponse({ type: PageStatsDto })
  async page(@Query() query: PageStatsQuery): Promise<PageStatsDto> {
    // Defaults: up to today (UTC), from 6 days before `to`: the last 7 days, today included.
    const to = query.to ?? dayOf(new Date());
    const from = query.from ?? addDays(to, -6);
    try {
      const { total, unique } = await this.counters.summary(PAGES, query.path, from, to);
      return { path: query.path, from, to, views: total, uniqueVisitors: unique };
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
