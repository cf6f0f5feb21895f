import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AdminGuard } from '../http/index.js';
import { CacheEngine } from './cache.engine.js';

/** `GET /admin/cache/stats`: this instance's cache state and per-namespace counts (admin only). */
@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminGuard)
@Controller('admin/cache')
export class CacheAdminController {
  constructor(private readonly engine: CacheEngine) {}

  @Get('stats')
  @Header('Cache-Control', 'no-store')
  stats() {
    return this.engine.snapshot();
  }
}
