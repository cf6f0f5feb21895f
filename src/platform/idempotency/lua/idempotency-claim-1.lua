-- Claims an idempotency key for one request, or says why it cannot: the whole decision in one round trip.
-- KEYS[1]: the record hash ({prefix}:idem:<sha-256 of scope and key>)
-- ARGV[1]: owner token of this request (random); ARGV[2]: request fingerprint; ARGV[3]: lease in ms
-- Returns: { 'claimed' }                          the key was free: this request runs the handler
--          { 'mismatch' }                         the key was used for a different request (422)
--          { 'running', pttl }                    another request holds the lease (409 or wait)
--          { 'done', status, headers, body }      the stored response to replay
local rec = redis.call('HMGET', KEYS[1], 'state', 'fp')
if not rec[1] then
  redis.call('HSET', KEYS[1], 'state', 'running', 'fp', ARGV[2], 'owner', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return { 'claimed' }
end
if rec[2] ~= ARGV[2] then
  return { 'mismatch' }
end
if rec[1] == 'running' then
  return { 'running', redis.call('PTTL', KEYS[1]) }
end
local stored = redis.call('HMGET', KEYS[1], 'status', 'headers', 'body')
return { 'done', stored[1], stored[2], stored[3] }
