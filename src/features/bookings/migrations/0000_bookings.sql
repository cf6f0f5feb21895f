CREATE TABLE "booking_fences" (
	"car_id" varchar(64) PRIMARY KEY NOT NULL,
	"fencing_token" bigint NOT NULL,
	"lock_owner" varchar(64) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "bookings" (
	"id" uuid PRIMARY KEY NOT NULL,
	"car_id" varchar(64) NOT NULL,
	"customer_id" varchar(64) NOT NULL,
	"start_date" date NOT NULL,
	"end_date" date NOT NULL,
	"fencing_token" bigint NOT NULL,
	"lock_owner" varchar(64) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "bookings_range_check" CHECK ("bookings"."end_date" > "bookings"."start_date"),
	CONSTRAINT "bookings_fencing_token_check" CHECK ("bookings"."fencing_token" >= 0)
);
--> statement-breakpoint
CREATE INDEX "bookings_car_start_idx" ON "bookings" USING btree ("car_id","start_date");