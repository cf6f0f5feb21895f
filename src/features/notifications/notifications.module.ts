import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { fileURLToPath } from 'node:url';
import { jobsConfig } from '../../config/app.config.js';
import { DATABASE, DatabaseModule, migrationsToken, type Database } from '../../platform/database/index.js';
import { QueueModule } from '../../platform/queue/index.js';
import { KeyBuilder } from '../../platform/redis/index.js';
import { EMAIL_OUTBOX_OPTIONS, EmailOutbox, type EmailOutboxOptions } from './email.outbox.js';
import { EmailProcessor, EMAIL_QUEUE } from './email.processor.js';
import { EmailOutboxReconciler } from './email.reconciler.js';
import { LogEmailTransport } from './email.log-transport.js';
import { SmtpEmailTransport, smtpOptions } from './email.smtp-transport.js';
import { EMAIL_FROM, EmailTransport } from './email.transport.js';
import { NotificationsController } from './notifications.controller.js';

/**
 * E-mail notifications on the `email` queue, behind a transactional outbox (`email_message`): a message
 * is committed in PostgreSQL before its job is added, and the reconciler re-adds the jobs Redis lost.
 * The transport is chosen by EMAIL_TRANSPORT: `log` (default
 * outside production) records in `email_outbox` and logs; `smtp` sends through SMTP_URL.
 */
@Module({
  imports: [
    QueueModule.registerQueue(EMAIL_QUEUE),
    DatabaseModule.forFeature({
      name: 'notifications',
      folder: fileURLToPath(new URL('./migrations', import.meta.url)),
    }),
  ],
  controllers: [NotificationsController],
  providers: [
    EmailProcessor,
    EmailOutboxReconciler,
    {
      provide: EMAIL_OUTBOX_OPTIONS,
      inject: [jobsConfig.KEY],
      useFactory: (jobs: ConfigType<typeof jobsConfig>) => jobs.emailOutbox,
    },
    {
      provide: EmailOutbox,
      inject: [DATABASE, EMAIL_OUTBOX_OPTIONS, KeyBuilder, migrationsToken('notifications')],
      // The migrations token only orders this after `email_message` exists.
      useFactory: (db: Database, options: EmailOutboxOptions, keys: KeyBuilder, _migrated: boolean) =>
        new EmailOutbox(db, options, keys.queuePrefix()),
    },
    {
      provide: EMAIL_FROM,
      inject: [jobsConfig.KEY],
      useFactory: (jobs: ConfigType<typeof jobsConfig>) => jobs.emailFrom,
    },
    {
      provide: EmailTransport,
      inject: [jobsConfig.KEY, DATABASE, migrationsToken('notifications')],
      // The migrations token only orders this after `email_outbox` exists.
      useFactory: (jobs: ConfigType<typeof jobsConfig>, db: Database, _migrated: boolean) =>
        jobs.emailTransport === 'smtp'
          ? new SmtpEmailTransport(smtpOptions(jobs.smtpUrl!))
          : new LogEmailTransport(db, jobs.emailLogDelayMs),
    },
  ],
})
export class NotificationsModule {}
