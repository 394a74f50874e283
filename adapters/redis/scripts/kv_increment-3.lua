-- kv_increment: adds to an integer AtomicKv key; the TTL is set only when this call creates the
-- key, so a counter's window does not slide with every hit.
--
-- KEYS[1] value key   KEYS[2] kv index   KEYS[3] kv expiry set
-- ARGV[1] the key as the caller named it   ARGV[2] amount   ARGV[3] ttl ms ('' = never)
--
-- Returns the new value, or the string 'not-integer' when the stored value is not an integer.
--#include now
--#include kv_index

local now = server_now()
kv_prune(now)
local current = redis.call('GET', KEYS[1])
if current and not string.match(current, '^%-?%d+$') then return 'not-integer' end
local value = redis.call('INCRBY', KEYS[1], ARGV[2])
if not current then
  if ARGV[3] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
  kv_track(ARGV[1], now, ARGV[3])
end
return value
