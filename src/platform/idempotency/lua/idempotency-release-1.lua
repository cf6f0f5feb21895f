-- Frees a claimed key (the handler failed with a 5xx or was not run) so that a retry executes again.
-- KEYS[1]: the record hash
-- ARGV[1]: owner token
-- Returns: 1 released; 0 not ours any more (nothing done).
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
return 1
