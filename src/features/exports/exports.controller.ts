import {
  Body,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  StreamableFile,
} from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Job } from 'bullmq';
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { CurrentPrincipal, isAdmin, type Principal } from '../../platform/auth/index.js';
import { JobAcceptedDto, QueueProducer } from '../../platform/queue/index.js';
import { RateLimit } from '../../platform/rate-limit/index.js';
import { ExportFiles } from './export.files.js';
import { CONTENT_TYPES } from './export.format.js';
import { downloadUrlOf, EXPORTS_QUEUE, type ExportJob, type ExportResult } from './export.processor.js';
import { CreateExportDto, ExportStatusDto } from './exports.dto.js';

/**
 * CSV / JSON exports of bookings and payments, built by the `exports` queue: the caller's own rows (every
 * row for the admin role), with the columns the API shows.
 */
@ApiTags('exports')
@ApiBearerAuth()
@Controller('exports')
export class ExportsController {
  constructor(
    private readonly producer: QueueProducer,
    private readonly files: ExportFiles,
  ) {}

  /** Queues an export; 503 when the queue cannot take it. */
  @Post()
  @HttpCode(202)
  @RateLimit('export')
  @ApiAcceptedResponse({ type: JobAcceptedDto })
  async create(@Body() dto: CreateExportDto, @CurrentPrincipal() me: Principal): Promise<JobAcceptedDto> {
    // An admin exports every customer's rows; anyone else their own.
    const data: ExportJob = { entity: dto.entity, format: dto.format, principal: me.sub, all: isAdmin(me) };
    const { jobId } = await this.producer.enqueue(EXPORTS_QUEUE, dto.entity, data, {
      deduplicationId: dto.deduplicationId,
      scope: me.sub,
    });
    return { jobId };
  }

  /** The export's state and progress, and its download URL once complete. */
  @Get(':jobId')
  @ApiOkResponse({ type: ExportStatusDto })
  async status(
    @Param('jobId', new ParseUUIDPipe()) jobId: string,
    @CurrentPrincipal() me: Principal,
  ): Promise<ExportStatusDto> {
    const { job, state } = await this.job(jobId, me);
    const progress = typeof job.progress === 'number' ? job.progress : 0;
    return {
      state,
      progress,
      ...(state === 'completed' ? { downloadUrl: downloadUrlOf(jobId) } : {}),
      ...(job.failedReason ? { failedReason: job.failedReason } : {}),
    };
  }

  /** The export file (404 until the export is complete). */
  @Get(':jobId/download')
  @ApiProduces(CONTENT_TYPES.csv, CONTENT_TYPES.json)
  async download(
    @Param('jobId', new ParseUUIDPipe()) jobId: string,
    @CurrentPrincipal() me: Principal,
  ): Promise<StreamableFile> {
    const { job, state } = await this.job(jobId, me);
    if (state !== 'completed') {
      throw new NotFoundException(`export ${jobId} is not complete`);
    }
    const { entity, format } = job.data;
    const path = this.files.pathOf(jobId, format);
    if (
      !(await access(path).then(
        () => true,
        () => false,
      ))
    ) {
      throw new NotFoundException(
        `the file of export ${jobId} is gone (expired, or on another instance's disk)`,
      );
    }
    return new StreamableFile(createReadStream(path), {
      type: CONTENT_TYPES[format],
      disposition: `attachment; filename="${entity}-${jobId}.${format}"`,
    });
  }

  private async job(
    jobId: string,
    me: Principal,
  ): Promise<{ job: Job<ExportJob, ExportResult>; state: string }> {
    const found = await this.producer.getJobWithState<ExportJob, ExportResult>(EXPORTS_QUEUE, jobId);
    // Another caller's export is as absent as an unknown one.
    if (!found || (found.job.data.principal !== me.sub && !isAdmin(me))) {
      throw new NotFoundException(`export ${jobId} not found`);
    }
    return found;
  }
}
