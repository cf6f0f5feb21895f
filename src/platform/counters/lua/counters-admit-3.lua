-- Admits a subject into the day's bounded set of counted subjects, or counts the event under the day's
-- overflow subject instead: what keeps the number of keys a day bounded whatever the callers send.
-- KEYS[1]  the day's set of admitted subjects
-- KEYS[2]  the day's overflow counter (INCRBY); same hash tag as KEYS[1]
-- KEYS[3]  the day's overflow HyperLogLog (PFADD); same hash tag
-- ARGV[1]  subject
-- ARGV[2]  most subjects a day
-- ARGV[3]  member (a visitor id)
-- ARGV[4]  expire-at of the overflow keys, unix seconds (the day's end plus the retention period)
-- ARGV[5]  expire-at of the set, unix seconds (only needed while the day lasts)
-- Returns  1 admitted (the caller records on the subject's own keys), 0 counted as overflow
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then
  if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then
    redis.call('INCRBY', KEYS[2], 1)
    redis.call('PFADD', KEYS[3], ARGV[3])
    redis.call('EXPIREAT', KEYS[2], ARGV[4])
    redis.call('EXPIREAT', KEYS[3], ARGV[4])
    return 0
  end
  redis.call('SADD', KEYS[1], ARGV[1])
  redis.call('EXPIREAT', KEYS[1], ARGV[5])
end
return 1
