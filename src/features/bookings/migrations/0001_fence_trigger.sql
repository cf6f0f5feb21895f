-- The database-side fence. Every booking row carries the fencing token and owner token of the lock it
-- was written under. A write is rejected (SQLSTATE FENCE) when its token is older than the highest one
-- already written for the car, or equal to it but from another lock acquisition: a Redis that lost its
-- counter (FLUSHALL, restart without AOF, failover) hands out old numbers again, and an equal number
-- from a different owner is such a reuse. A holder that stalled past its TTL cannot write after its
-- successor. booking_fences keeps the high-water mark per car (it outlives deleted bookings); the
-- upsert row-locks it until commit, so writers of one car are ordered by it.
CREATE FUNCTION bookings_enforce_fence() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  high bigint;
BEGIN
  INSERT INTO booking_fences AS f (car_id, fencing_token, lock_owner)
  VALUES (NEW.car_id, NEW.fencing_token, NEW.lock_owner)
  ON CONFLICT (car_id) DO UPDATE
    SET fencing_token = EXCLUDED.fencing_token, lock_owner = EXCLUDED.lock_owner
    WHERE f.fencing_token < EXCLUDED.fencing_token
       OR (f.fencing_token = EXCLUDED.fencing_token AND f.lock_owner = EXCLUDED.lock_owner);
  IF NOT FOUND THEN
    SELECT fencing_token INTO high FROM booking_fences WHERE car_id = NEW.car_id;
    RAISE EXCEPTION 'stale fencing token % for car %: % was already written', NEW.fencing_token, NEW.car_id, high
      USING ERRCODE = 'FENCE', DETAIL = high::text;
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER bookings_enforce_fence
  BEFORE INSERT OR UPDATE OF car_id, fencing_token, lock_owner ON bookings
  FOR EACH ROW EXECUTE FUNCTION bookings_enforce_fence();
