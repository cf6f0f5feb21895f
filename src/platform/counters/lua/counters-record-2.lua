-- Records one occurrence of a member on a day: the day's counter and its HyperLogLog, in one round trip.
-- KEYS[1]  the day's counter (string, INCRBY)
-- KEYS[2]  the day's HyperLogLog (PFADD); same hash tag as KEYS[1], so one Cluster slot
-- ARGV[1]  member (a visitor id)
-- ARGV[2]  increment (a positive integer)
-- ARGV[3]  expire-at, unix seconds (the day's end plus the retention period: the same for every call of the day)
-- Returns  { counter after the increment, 1 when the HyperLogLog changed else 0 }
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
local changed = redis.call('PFADD', KEYS[2], ARGV[1])
redis.call('EXPIREAT', KEYS[1], ARGV[3])
redis.call('EXPIREAT', KEYS[2], ARGV[3])
return { count, changed }
