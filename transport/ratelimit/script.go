package ratelimit

// slidingWindowLua is the sliding window counter of window.go in one atomic step on the
// server. It reads the clock with TIME so every node of a cluster agrees on when windows
// begin whatever its own clock says (Redis ≥ 5 replicates the script's effects, so a
// non-deterministic read before a write is allowed).
//
// Numbers are Lua doubles: exact while limit × window in microseconds stays below 2⁵³
// (for instance a million requests per hour). Large values are written with %.0f because
// Lua's default conversion keeps only 14 significant digits, fewer than a timestamp in
// microseconds has.
//
//	KEYS[1]  hash of one (rule, key): s = window start (µs), c = current, p = previous
//	ARGV[1]  limit
//	ARGV[2]  window (µs)
//	ARGV[3]  1: peek (decide without counting), else 0
//	returns  {allowed 0|1, remaining, retry after (µs)}
const slidingWindowLua = `
if redis.replicate_commands then redis.replicate_commands() end
local limit = tonumber(ARGV[1])
local size = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local h = redis.call('HMGET', KEYS[1], 's', 'c', 'p')
local start, cur, prev = tonumber(h[1]), tonumber(h[2]) or 0, tonumber(h[3]) or 0
if start == nil or now >= start + 2 * size then
  start, cur, prev = now, 0, 0
elseif now >= start + size then
  start, cur, prev = start + size, 0, cur
end
local elapsed = now - start
if elapsed < 0 then elapsed = 0 end
local used = math.floor(prev * (size - elapsed) / size) + cur
if used + 1 <= limit then
  if ARGV[3] == '1' then
    return {1, limit - used, 0}
  end
  local fmt = '%.0f'
  redis.call('HSET', KEYS[1], 's', string.format(fmt, start), 'c', string.format(fmt, cur + 1),
    'p', string.format(fmt, prev))
  local ttl = math.ceil((start + 2 * size - now) / 1000)
  if ttl < 1 then ttl = 1 end
  redis.call('PEXPIRE', KEYS[1], string.format(fmt, ttl))
  return {1, limit - used - 1, 0}
end
local wait
if cur >= limit then
  wait = size - elapsed + size - math.floor((limit * size - 1) / cur)
else
  wait = size - math.floor(((limit - cur) * size - 1) / prev) - elapsed
end
if wait > size then wait = size end
return {0, 0, wait}
`
