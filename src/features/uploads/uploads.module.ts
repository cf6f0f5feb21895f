import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { datastructsConfig } from '../../config/app.config.js';
import { SessionModule } from '../../platform/session/index.js';
import { UploadsController } from './uploads.controller.js';
import { UploadsService } from './uploads.service.js';

/** Upload sessions over SessionStore (TTL: UPLOAD_SESSION_TTL_SECONDS, default 900). */
@Module({
  imports: [ConfigModule.forFeature(datastructsConfig), SessionModule],
  controllers: [UploadsController],
  providers: [UploadsService],
})
export class UploadsModule {}
