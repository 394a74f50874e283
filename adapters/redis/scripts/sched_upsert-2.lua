-- sched_upsert: creates an entry at version 1 or replaces it (history kept) at version + 1,
-- refusing a stale expected version; keeps the due index and tells other Beats.
--
-- KEYS[1] entries hash   KEYS[2] due zset
-- ARGV[1] id, ARGV[2] input JSON, ARGV[3] enabled '1'|'0', ARGV[4] expected version or '',
-- ARGV[5] next fire ms, '' (none) or 'keep', ARGV[6] change channel
--
-- Returns { 1, fields } or { 0, stored version } on a conflict.
--#include sched_fields
local id = ARGV[1]
local version = tonumber(redis.call('HGET', KEYS[1], 'v:' .. id) or '0')
if ARGV[4] ~= '' and tonumber(ARGV[4]) ~= version then return { 0, version } end
redis.call('HSET', KEYS[1], 'i:' .. id, ARGV[2], 'v:' .. id, version + 1, 'on:' .. id, ARGV[3])
if ARGV[5] ~= 'keep' then
  redis.call('HSET', KEYS[1], 'n:' .. id, ARGV[5])
elseif version == 0 then
  redis.call('HSET', KEYS[1], 'n:' .. id, '')
end
sched_index(KEYS[1], KEYS[2], id)
redis.call('PUBLISH', ARGV[6], id)
return { 1, sched_fields(KEYS[1], id) }
