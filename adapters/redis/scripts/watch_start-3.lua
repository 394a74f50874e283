-- watch_start: registers (or refreshes) a watch of a task: puts it in the watcher set until
-- now + ARGV[2] ms, which makes set_status publish its updates and append them to its update
-- stream. Returns where an HTTP watcher starts reading, and the current status.
--
-- KEYS[1] watcher sorted set   KEYS[2] update stream   KEYS[3] status key
-- ARGV[1] task id   ARGV[2] watch ttl ms
--
-- Returns { newest update-stream id ('0-0' when empty), current status value or nil }.
--#include now

local expiry = server_now() + tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], 'GT', expiry, ARGV[1])
redis.call('ZADD', KEYS[1], 'NX', expiry, ARGV[1])
local newest = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
local last = newest[1] and newest[1][1] or '0-0'
if newest[1] then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
return { last, redis.call('GET', KEYS[3]) }
