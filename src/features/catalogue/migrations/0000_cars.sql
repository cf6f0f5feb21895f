CREATE TABLE "cars" (
	"id" serial PRIMARY KEY NOT NULL,
	"make" varchar(50) NOT NULL,
	"model" varchar(50) NOT NULL,
	"year" smallint NOT NULL,
	"daily_price" integer NOT NULL,
	"currency" char(3) NOT NULL,
	"available" boolean DEFAULT true NOT NULL
);
--> statement-breakpoint
CREATE INDEX "cars_make_id_idx" ON "cars" USING btree ("make","id");