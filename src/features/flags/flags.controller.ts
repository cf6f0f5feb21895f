import { Body, Controller, Get, Param, Put, Query, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { FlagsService } from '../../platform/flags/index.js';
import { ProblemException } from '../../platform/http/index.js';
import { EventsPublisher } from '../../platform/pubsub/index.js';
import { RedisUnavailableInterceptor } from '../../platform/unavailable/index.js';
import { EvaluateQuery, EvaluationDto, FlagDto, FlagListDto, FlagParams, PutFlagDto } from './flags.dto.js';
import { Public, Roles } from '../../platform/auth/index.js';

const notFound = (name: string) =>
  new ProblemException(404, 'not-found', 'Not Found', { detail: `flag ${name} does not exist` });

/** Feature flags: reads and evaluations from memory, writes (admin) through Redis to every instance. */
@ApiTags('flags')
@UseInterceptors(RedisUnavailableInterceptor)
@Controller('flags')
export class FlagsController {
  constructor(
    private readonly flags: FlagsService,
    private readonly events: EventsPublisher,
  ) {}

  @Public()
  @Get()
  @ApiOkResponse({ type: FlagListDto })
  list(): FlagListDto {
    return { items: this.flags.list() };
  }

  @Public()
  @Get(':name')
  @ApiOkResponse({ type: FlagDto })
  get(@Param() p: FlagParams): FlagDto {
    const flag = this.flags.get(p.name);
    if (!flag) throw notFound(p.name);
    return flag;
  }

  /** Creates or replaces a flag (admin); every instance applies it, and `flag.changed` is streamed. */
  @Put(':name')
  @Roles('admin')
  @ApiBearerAuth()
  @ApiOkResponse({ type: FlagDto })
  async put(@Param() p: FlagParams, @Body() dto: PutFlagDto): Promise<FlagDto> {
    const flag = await this.flags.set(p.name, { enabled: dto.enabled, rolloutPercent: dto.rolloutPercent });
    this.events.publishSafely('flag.changed', flag);
    return flag;
  }

  /** Deterministic per subject: on when enabled and SHA-256(flag, subject) falls within the rollout. */
  @Public()
  @Get(':name/evaluate')
  @ApiOkResponse({ type: EvaluationDto })
  evaluate(@Param() p: FlagParams, @Query() q: EvaluateQuery): EvaluationDto {
    const result = this.flags.evaluate(p.name, q.subject);
    if (!result) throw notFound(p.name);
    return result;
  }
}
