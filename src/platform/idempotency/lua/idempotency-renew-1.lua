-- Heartbeat of a running request: extends its lease while it still owns the key.
-- KEYS[1]: the record
-- ARGV[1]: the running record this request claimed; ARGV[2]: lease in ms
-- Returns: 1 renewed; 0 the lease was lost (expired, or claimed by another request).
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
