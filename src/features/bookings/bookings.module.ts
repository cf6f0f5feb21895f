import { Module } from '@nestjs/common';
import { fileURLToPath } from 'node:url';
import { DatabaseModule } from '../../platform/database/index.js';
import { BookingsController } from './bookings.controller.js';
import { BookingsRepository } from './bookings.repository.js';
import { BookingsService } from './bookings.service.js';

/**
 * The reference feature of LockModule: car bookings in PostgreSQL that never double-book. Needs
 * LockModule (global) and DatabaseModule.
 */
@Module({
  imports: [
    DatabaseModule.forFeature({
      name: 'bookings',
      folder: fileURLToPath(new URL('./migrations', import.meta.url)),
    }),
  ],
  controllers: [BookingsController],
  providers: [BookingsService, BookingsRepository],
  exports: [BookingsService],
})
export class BookingsModule {}
