import { Module, type DynamicModule } from '@nestjs/common';
import { DatabaseConnection } from './database.connection.js';
import { DATABASE_MODULE_OPTIONS, DatabaseConfigurableModule } from './database.module-definition.js';
import { DATABASE, type DatabaseModuleOptions, type FeatureMigrations } from './database.types.js';

/**
 * PostgreSQL through `DATABASE_URL`, or embedded PGlite when it is unset, behind one Drizzle API.
 * Features bring their own migrations with `forFeature`; they are applied before the app listens.
 * @example
 * DatabaseModule.forFeature({ name: 'bookings', folder: fileURLToPath(new URL('./migrations', import.meta.url)) })
 */
@Module({
  providers: [
    {
      provide: DatabaseConnection,
      inject: [DATABASE_MODULE_OPTIONS],
      useFactory: async (options: DatabaseModuleOptions) => {
        const connection = new DatabaseConnection();
        await connection.init(options);
        return connection;
      },
    },
    { provide: DATABASE, inject: [DatabaseConnection], useFactory: (c: DatabaseConnection) => c.db },
  ],
  exports: [DatabaseConnection, DATABASE],
})
export class DatabaseModule extends DatabaseConfigurableModule {
  /** Applies the feature's migrations at boot; inject `migrationsToken(name)` to depend on them. */
  static forFeature(migrations: FeatureMigrations): DynamicModule {
    const token = migrationsToken(migrations.name);
    return {
      module: DatabaseFeatureModule,
      providers: [
        {
          provide: token,
          inject: [DatabaseConnection],
          useFactory: async (c: DatabaseConnection) => {
            await c.migrate(migrations);
            return true;
          },
        },
      ],
      exports: [token],
    };
  }
}

/** Host of one feature's migrations (the root module's providers must not be instantiated twice). */
@Module({})
export class DatabaseFeatureModule {}

/** Token that resolves once a feature's migrations are applied. */
export function migrationsToken(name: string): string {
  return `DATABASE_MIGRATIONS:${name}`;
}
