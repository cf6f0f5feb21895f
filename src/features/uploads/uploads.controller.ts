import { Body, Controller, Delete, Get, HttpCode, Param, Post, Res, UseInterceptors } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, ownerFilter, type Principal } from '../../platform/auth/index.js';
import { setHeader, type AnyResponse } from '../../platform/http/adapter.js';
import { ProblemException } from '../../platform/http/index.js';
import { RateLimit } from '../../platform/rate-limit/index.js';
import { RedisUnavailableInterceptor } from '../../platform/unavailable/index.js';
import {
  CreateUploadSessionDto,
  UploadSessionCreatedDto,
  UploadSessionDto,
  UploadSessionParams,
} from './uploads.dto.js';
import { UploadsService } from './uploads.service.js';

const notFound = (id: string) =>
  new ProblemException(404, 'not-found', 'Not Found', {
    detail: `upload session ${id} does not exist or has expired`,
  });

/** Upload sessions: short-lived records under 128-bit random ids, expired by Redis, each its creator's. */
@ApiTags('uploads')
@ApiBearerAuth()
@UseInterceptors(RedisUnavailableInterceptor)
@Controller('uploads/sessions')
export class UploadsController {
  constructor(private readonly uploads: UploadsService) {}

  /** Opens a session (one SET EX NX), within the `upload` rate-limit policy. */
  @Post()
  @RateLimit('upload') // RATE_LIMIT_UPLOAD, default 20/60s per principal or IP, shared by every instance
  @ApiCreatedResponse({ type: UploadSessionCreatedDto })
  async create(
    @Body() dto: CreateUploadSessionDto,
    @Res({ passthrough: true }) res: AnyResponse,
    @CurrentPrincipal() me: Principal,
  ): Promise<UploadSessionCreatedDto> {
    const session = await this.uploads.create(dto, me.sub);
    setHeader(res, 'Location', `/uploads/sessions/${session.sessionId}`);
    return { sessionId: session.sessionId, expiresAt: session.expiresAt };
  }

  /** The session, 404 once it has expired or been deleted. */
  @Get(':id')
  @ApiOkResponse({ type: UploadSessionDto })
  async get(@Param() p: UploadSessionParams, @CurrentPrincipal() me: Principal): Promise<UploadSessionDto> {
    const session = await this.uploads.get(p.id, ownerFilter(me));
    if (!session) throw notFound(p.id);
    return session;
  }

  /** Deletes the session: 204, or 404 when there is none. */
  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  async delete(@Param() p: UploadSessionParams, @CurrentPrincipal() me: Principal): Promise<void> {
    if (!(await this.uploads.delete(p.id, ownerFilter(me)))) throw notFound(p.id);
  }
}
