-- heartbeats: reads live worker heartbeats (all, or only the worker in ARGV[1]).
--
-- KEYS[1] heartbeat hash   KEYS[2] heartbeat expiry sorted set
-- ARGV[1] worker id ('' = every live worker)
--
-- Returns a list of heartbeat JSON strings.
--#include now

local now = server_now()
if ARGV[1] ~= '' then
  local expiry = redis.call('ZSCORE', KEYS[2], ARGV[1])
  if not expiry or tonumber(expiry) <= now then return {} end
  local value = redis.call('HGET', KEYS[1], ARGV[1])
  if not value then return {} end
  return { value }
end
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. string.format('%.0f', now), '+inf')
if #ids == 0 then return {} end
local values = redis.call('HMGET', KEYS[1], unpack(ids))
local out = {}
for _, v in ipairs(values) do
  if v then out[#out + 1] = v end
end
return out
