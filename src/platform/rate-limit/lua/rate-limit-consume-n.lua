-- Checks every rate-limit policy of one request and consumes them all, or none: all or nothing.
-- Variadic (the "-n" in the name: the caller passes the key count), registered by RateLimitStore, not
-- by the fixed-count loader. Mirrors rate-limit.algorithms.ts (the in-memory fallback) exactly.
-- KEYS[i]  state hash of policy i; every key of one call carries the same hash tag (the tracker)
-- ARGV[1]  '1' = consume, '0' = peek (read only: report, write nothing)
-- ARGV[2 + 5(i-1) ..]  per policy i: algorithm ('s' sliding window, 'f' fixed window, 't' token bucket),
--          limit, window ms, cost, block ms (0 = none)
-- Hash fields: a = anchor (window end | window start | last refill), c = count (or tokens),
--          d = previous window's count (sliding), b = blocked until (ms)
-- Returns  { allowed 1|0, then per policy: ok 1|0, remaining, more ms, retry ms (-1: never) }
--          remaining and more describe the state after this call (after consuming when allowed);
--          more = ms until additional quota is available (draft-ietf-httpapi-ratelimit-headers-10 `t`:
--          the wait before a cost of remaining + 1 fits), 0 at full quota, at most the window
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local consume = ARGV[1] == '1'
local EPS = 1e-9
local n = #KEYS
local P = {}
local allowed = true

for i = 1, n do
  local j = 2 + (i - 1) * 5
  local p = { algo = ARGV[j], limit = tonumber(ARGV[j + 1]), w = tonumber(ARGV[j + 2]),
    cost = tonumber(ARGV[j + 3]), block = tonumber(ARGV[j + 4]) }
  local s = redis.call('HMGET', KEYS[i], 'a', 'b', 'c', 'd')
  local a, b, c, d = tonumber(s[1]), tonumber(s[2]), tonumber(s[3]), tonumber(s[4])
  p.raw = s
  if p.algo == 'f' then
    if a == nil or a <= now then a = now + p.w; c = 0 else c = c or 0 end
    d = 0; p.used = c
  elseif p.algo == 's' then
    if a == nil then a = now end
    c = c or 0; d = d or 0
    if now >= a + p.w then
      local k = math.floor((now - a) / p.w)
      if k == 1 then d = c else d = 0 end
      c = 0; a = a + k * p.w
    end
    p.used = math.floor(d * (p.w - (now - a) - 1) / p.w) + c
  else
    if a == nil then c = p.limit else c = math.min(p.limit, (c or 0) + (now - a) * p.limit / p.w) end
    a = now; d = 0; p.used = p.limit - c
  end
  p.a, p.c, p.d = a, c, d
  p.blocked = b ~= nil and b > now
  p.b = b
  p.fits = p.used + p.cost <= p.limit + EPS
  p.ok = p.fits and not p.blocked
  if not p.ok then allowed = false end
  P[i] = p
end

local function retry_of(p, cost)
  if cost > p.limit then return -1 end
  if p.algo == 'f' then return p.a - now end
  if p.algo == 't' then return math.ceil((cost - p.c) * p.w / p.limit) end
  if p.c + cost <= p.limit then
    local k = p.limit - p.c - cost
    return math.max(0, p.a + p.w - 1 - math.floor(((k + 1) * p.w - 1) / p.d) - now)
  end
  local e = 0
  if p.c > 0 then e = math.max(0, p.w - 1 - math.floor(((p.limit - cost + 1) * p.w - 1) / p.c)) end
  return p.a + p.w + e - now
end

-- At most the window: a fixed window resets by then, a bucket refills a token, and a sliding window's
-- previous share is floored, so its first unit is back at the next window's start at the latest.
local function more_of(p, remaining)
  if remaining >= p.limit then return 0 end
  return math.max(0, retry_of(p, remaining + 1))
end

local function reset_of(p)
  if p.algo == 'f' then
    if p.used > 0 then return p.a - now end
    return 0
  end
  if p.algo == 't' then return math.ceil(p.used * p.w / p.limit) end
  if p.c > 0 then return p.a + 2 * p.w - now end
  if p.d > 0 then return p.a + p.w - now end
  return 0
end

local out = { allowed and 1 or 0 }
for i = 1, n do
  local p = P[i]
  local commit = consume and allowed
  if commit then
    if p.algo == 't' then p.c = p.c - p.cost else p.c = p.c + p.cost end
    p.used = p.used + p.cost
  end
  local remaining = math.max(0, math.floor(p.limit - p.used + EPS))
  local reset = math.max(0, reset_of(p))
  local more = more_of(p, remaining)
  local retry = 0
  if not p.fits then retry = retry_of(p, p.cost) end
  if p.blocked and retry >= 0 then retry = math.max(retry, p.b - now) end
  if commit then
    local ttl
    if p.algo == 's' then
      ttl = p.a + 2 * p.w - now
      redis.call('HSET', KEYS[i], 'a', p.a, 'c', string.format('%.17g', p.c), 'd', string.format('%.17g', p.d))
    else
      ttl = math.max(1, reset)
      redis.call('HSET', KEYS[i], 'a', p.a, 'c', string.format('%.17g', p.c))
    end
    redis.call('PEXPIRE', KEYS[i], ttl)
  elseif consume and not p.ok and p.block > 0 and not p.blocked and retry >= 0 then
    local ttl = reset
    if p.algo == 's' then ttl = p.a + 2 * p.w - now end
    redis.call('HSET', KEYS[i], 'b', now + p.block)
    redis.call('PEXPIRE', KEYS[i], math.max(p.block, ttl))
    retry = math.max(retry, p.block)
  end
  local okflag = 0
  if p.ok then okflag = 1 end
  out[#out + 1] = okflag
  out[#out + 1] = remaining
  out[#out + 1] = more
  out[#out + 1] = retry
end
return out
