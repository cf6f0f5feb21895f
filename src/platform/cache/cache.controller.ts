import { Controller, Get, Header } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CacheEngine } from './cache.engine.js';
import { Roles } from '../auth/index.js';

/** `GET /admin/cache/stats`: this instance's cache state and per-namespace counts (admin only). */
@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('admin/cache')
export class CacheAdminController {
  constructor(private readonly engine: CacheEngine) {}

  @Get('stats')
  @Header('Cache-Control', 'no-store')
  stats() {
    return this.engine.snapshot();
  }
}
