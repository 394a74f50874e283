-- set_status: writes a task status as "createdAt|updatedAt|json" (createdAt kept from the
-- previous record), indexes it by update time, publishes it, and appends it to the task's
-- update stream while an HTTP watcher's marker exists. Times are the server clock.
--
-- KEYS[1] status key   KEYS[2] index sorted set   KEYS[3] watch marker   KEYS[4] update stream
-- ARGV[1] task id   ARGV[2] status JSON (without createdAt/updatedAt)   ARGV[3] ttl ms
-- ARGV[4] pub/sub channel   ARGV[5] index retention ms
--
-- Returns { createdAt, updatedAt }.
--#include now

local now = server_now()
local created = now
local old = redis.call('GET', KEYS[1])
if old then
  local c = string.match(old, '^(%d+)|')
  if c then created = tonumber(c) end
end
local value = string.format('%.0f|%.0f|', created, now) .. ARGV[2]
redis.call('SET', KEYS[1], value, 'PX', ARGV[3])
redis.call('ZADD', KEYS[2], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[5]))
local marker_ttl = redis.call('PTTL', KEYS[3])
if marker_ttl > 0 then
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', 100, '*', 'v', value)
  redis.call('PEXPIRE', KEYS[4], marker_ttl)
end
redis.call('PUBLISH', ARGV[4], value)
return { created, now }
