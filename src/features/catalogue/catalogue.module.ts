import { Module } from '@nestjs/common';
import { fileURLToPath } from 'node:url';
import { DatabaseModule } from '../../platform/database/index.js';
import { CatalogueController } from './catalogue.controller.js';
import { CatalogueRepository } from './catalogue.repository.js';

/** The car catalogue (reference feature of CacheModule): PostgreSQL, 1,000 cars seeded by migration. */
@Module({
  imports: [
    DatabaseModule.forFeature({
      name: 'catalogue',
      folder: fileURLToPath(new URL('./migrations', import.meta.url)),
    }),
  ],
  controllers: [CatalogueController],
  providers: [CatalogueRepository],
  exports: [CatalogueRepository],
})
export class CatalogueModule {}
