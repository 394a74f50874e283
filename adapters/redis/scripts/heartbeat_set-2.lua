-- heartbeat_set: stores a worker heartbeat with an expiry and drops expired ones.
--
-- KEYS[1] heartbeat hash   KEYS[2] heartbeat expiry sorted set
-- ARGV[1] worker id   ARGV[2] heartbeat JSON   ARGV[3] ttl ms
--
-- Returns 1.
--#include now

local now = server_now()
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for _, id in ipairs(expired) do redis.call('HDEL', KEYS[1], id) end
if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now) end
return 1
