-- Adds to (or sets) a member's score, refusing a result outside the exact integer range of a double, and
-- keeps the board bounded: past maxMembers the lowest scores are trimmed in the same call.
-- Scores are stored negated (see leaderboard.service.ts): ascending order is then highest score first,
-- and Redis orders equal scores by member bytes ascending, which is the tie order wanted; the lowest
-- scores (last of the ties) are the last ranks.
-- KEYS[1]  the board (sorted set)
-- ARGV[1]  member
-- ARGV[2]  increment (an integer; may be negative), or the score itself when ARGV[5] is '1'
-- ARGV[3]  largest magnitude a score may reach (9007199254740991)
-- ARGV[4]  most members the board keeps
-- ARGV[5]  '1' = set the score, else add to it
-- Returns  { new score (not negated; an integer reply, exact), members trimmed }, or the error reply
--          'LB_RANGE ...' when the score would leave the range
local score
if ARGV[5] == '1' then
  score = tonumber(ARGV[2])
else
  local stored = redis.call('ZSCORE', KEYS[1], ARGV[1])
  score = (stored and -tonumber(stored) or 0) + tonumber(ARGV[2])
end
if math.abs(score) > tonumber(ARGV[3]) then
  return redis.error_reply('LB_RANGE the score would leave the exact integer range')
end
redis.call('ZADD', KEYS[1], -score, ARGV[1])
local max = tonumber(ARGV[4])
local trimmed = 0
if redis.call('ZCARD', KEYS[1]) > max then
  trimmed = redis.call('ZREMRANGEBYRANK', KEYS[1], max, -1)
end
return { score, trimmed }
