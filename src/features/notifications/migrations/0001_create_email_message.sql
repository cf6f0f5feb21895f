-- The transactional outbox of e-mails: a row per accepted message, committed before the 202, so a Redis
-- that loses the job (restart without persistence, failover) cannot lose the message. The job id is the
-- row's id; a reconciler re-adds the job of a pending row Redis does not have. status: pending (accepted,
-- not sent yet), sent, failed (out of attempts), cancelled (its enqueue was refused: the client got 503).
CREATE TABLE "email_message" (
	"id" uuid PRIMARY KEY NOT NULL,
	"queue_prefix" text NOT NULL,
	"principal" text NOT NULL,
	"to_address" text NOT NULL,
	"subject" text NOT NULL,
	"body" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"claimed_at" timestamp with time zone,
	"failed_reason" text,
	"dedup_key" text,
	"dedup_until" timestamp with time zone,
	"check_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
-- A caller's deduplication id (hashed with its sub); freed when its window ends.
CREATE UNIQUE INDEX "email_message_dedup_key" ON "email_message" ("dedup_key");
--> statement-breakpoint
-- The reconciler's one query: its deployment's pending rows due for a check, oldest first. The queue
-- prefix keeps deployments that share a database (REDIS_KEY_PREFIX apart) from re-adding each other's.
CREATE INDEX "email_message_pending_check" ON "email_message" ("queue_prefix", "check_at") WHERE "status" = 'pending';
