-- The database refuses overlapping bookings of a car by itself, whatever Redis does: two writers that
-- both believe they hold the car's lock (a failover that lost the lock key, a holder whose lease ran out
-- mid-write) both pass `insertIfFree`'s NOT EXISTS on their own snapshots, and only a constraint checked
-- against committed and in-flight rows stops the second. The Redis lock stays the fast path that keeps
-- contention off the database; the fence trigger still rejects stale holders. [start, end) ranges, as
-- everywhere else. btree_gist gives GiST the `=` on varchar; PGlite loads it as an extension.
CREATE EXTENSION IF NOT EXISTS btree_gist;
--> statement-breakpoint
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_no_overlap"
  EXCLUDE USING gist ("car_id" WITH =, daterange("start_date", "end_date", '[)') WITH &&);
