import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { DEDUPLICATION_ID, DEDUPLICATION_ID_MESSAGE } from '../../platform/queue/index.js';
import { EXPORT_FORMATS, type ExportFormat } from './export.format.js';
import { EXPORT_ENTITIES, type ExportEntity } from './export.source.js';

/** Body of POST /exports. */
export class CreateExportDto {
  @ApiProperty({ enum: EXPORT_ENTITIES })
  @IsIn(EXPORT_ENTITIES)
  entity!: ExportEntity;

  @ApiProperty({ enum: EXPORT_FORMATS })
  @IsIn(EXPORT_FORMATS)
  format!: ExportFormat;

  @ApiPropertyOptional({ description: 'Within the deduplication window, the same id answers the same job' })
  @IsOptional()
  @Matches(DEDUPLICATION_ID, { message: DEDUPLICATION_ID_MESSAGE })
  deduplicationId?: string;
}

/** GET /exports/:jobId. */
export class ExportStatusDto {
  @ApiProperty({ enum: ['waiting', 'active', 'delayed', 'completed', 'failed', 'unknown'] })
  state!: string;

  @ApiProperty({ minimum: 0, maximum: 100 })
  progress!: number;

  @ApiPropertyOptional({ example: '/exports/0d9c.../download' })
  downloadUrl?: string;

  @ApiPropertyOptional()
  failedReason?: string;
}
