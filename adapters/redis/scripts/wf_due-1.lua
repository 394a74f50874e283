-- wf_due: claims up to ARGV[3] runs due at ARGV[1]: each one's due time moves to ARGV[2], so a
-- claim that is never resumed (the caller crashed) comes due again. One script: two callers
-- never claim the same run (the original read and removed in two commands).
--
-- KEYS[1] due zset
-- ARGV[1] now, ARGV[2] claimed-until, ARGV[3] limit
--
-- Returns the claimed run ids.
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], ARGV[2], id) end
return ids
