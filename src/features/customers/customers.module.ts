import { Module } from '@nestjs/common';
import { fileURLToPath } from 'node:url';
import { SUBJECT_DIRECTORY } from '../../platform/auth/index.js';
import { DatabaseModule } from '../../platform/database/index.js';
import { CustomersController } from './customers.controller.js';
import { CustomersRepository } from './customers.repository.js';

/** Customers: the app's record of each verified `sub`, and AuthModule's subject directory. */
@Module({
  imports: [
    DatabaseModule.forFeature({
      name: 'customers',
      folder: fileURLToPath(new URL('./migrations', import.meta.url)),
    }),
  ],
  controllers: [CustomersController],
  providers: [CustomersRepository, { provide: SUBJECT_DIRECTORY, useExisting: CustomersRepository }],
  exports: [SUBJECT_DIRECTORY],
})
export class CustomersModule {}
