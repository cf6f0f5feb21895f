import { Module } from '@nestjs/common';
import { fileURLToPath } from 'node:url';
import { DatabaseModule } from '../../platform/database/index.js';
import { PaymentsController } from './payments.controller.js';
import { PaymentsService } from './payments.service.js';

/** The reference feature of IdempotencyModule (needs it, RedisModule and DatabaseModule imported globally). */
@Module({
  imports: [
    DatabaseModule.forFeature({
      name: 'payments',
      folder: fileURLToPath(new URL('./migrations', import.meta.url)),
    }),
  ],
  controllers: [PaymentsController],
  providers: [PaymentsService],
  exports: [PaymentsService],
})
export class PaymentsModule {}
