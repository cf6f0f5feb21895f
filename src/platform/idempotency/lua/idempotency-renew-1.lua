-- Heartbeat of a running request: extends its lease while it still owns the key.
-- KEYS[1]: the record hash
-- ARGV[1]: owner token; ARGV[2]: lease in ms
-- Returns: 1 renewed; 0 the lease was lost (expired, or claimed by another request).
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then
  return 0
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
