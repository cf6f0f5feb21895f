-- Releases a single-flight lock after a failed load, if the caller still holds it.
-- KEYS[1]: lock key
-- ARGV[1]: token
-- Returns: 1 when others waited on it (they should be woken) | 0
local lock = redis.call('GET', KEYS[1])
if lock and string.sub(lock, 1, #ARGV[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  if #lock > #ARGV[1] then return 1 end
end
return 0
