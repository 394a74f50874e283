-- sched_claim: claims up to ARGV[2] enabled entries due by ARGV[1] whose claim is free or lapsed
-- at ARGV[5], for owner ARGV[3] until ARGV[4]. One script: racing Beats never share an entry.
--
-- KEYS[1] entries hash   KEYS[2] due zset
--
-- Returns { id, fields } per claimed entry, earliest first.
--#include sched_fields
local limit = tonumber(ARGV[2])
local now = tonumber(ARGV[5])
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, limit * 4 + 16)
local out = {}
for _, id in ipairs(ids) do
  if #out >= limit then break end
  if tonumber(redis.call('HGET', KEYS[1], 'cu:' .. id) or '0') <= now then
    redis.call('HSET', KEYS[1], 'c:' .. id, ARGV[3], 'cu:' .. id, ARGV[4])
    out[#out + 1] = { id, sched_fields(KEYS[1], id) }
  end
end
return out
