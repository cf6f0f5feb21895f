-- Extends a lock only when the caller still owns it.
-- KEYS[1]: lock key ({prefix}:lock:{resource})
-- ARGV[1]: owner token
-- ARGV[2]: new TTL in ms, counted from now
-- Returns: 1 when extended, 0 when the lock was not ours (expired, or taken by another owner).
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
