-- Admits a board into the bounded set of boards: a known board always, a new one while there is room.
-- KEYS[1]  the set of board names
-- ARGV[1]  board name
-- ARGV[2]  most boards
-- Returns  1 admitted, 0 refused (the set is full)
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
return 1
