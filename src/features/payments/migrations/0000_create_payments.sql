CREATE TABLE "payments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"amount" integer NOT NULL,
	"currency" text NOT NULL,
	"customer_id" text NOT NULL,
	"status" text DEFAULT 'requires_payment' NOT NULL,
	"checkout_url" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payments_idempotency_key_unique" UNIQUE("idempotency_key"),
	CONSTRAINT "payments_amount_range" CHECK ("payments"."amount" BETWEEN 1 AND 1000000000),
	CONSTRAINT "payments_currency_known" CHECK ("payments"."currency" IN ('usd', 'eur', 'gbp'))
);
--> statement-breakpoint
CREATE INDEX "payments_customer_created_idx" ON "payments" USING btree ("customer_id","created_at");