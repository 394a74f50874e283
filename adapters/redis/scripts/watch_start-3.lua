-- watch_start: starts (or refreshes) polling for a task's updates over HTTP: sets the marker
-- that makes set_status append to the update stream, and returns where to read from.
--
-- KEYS[1] watch marker   KEYS[2] update stream   KEYS[3] status key
-- ARGV[1] marker ttl ms
--
-- Returns { newest update-stream id ('0-0' when empty), current status value or nil }.
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
local newest = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
local last = newest[1] and newest[1][1] or '0-0'
if newest[1] then redis.call('PEXPIRE', KEYS[2], ARGV[1]) end
return { last, redis.call('GET', KEYS[3]) }
