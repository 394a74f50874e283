-- kv_write: set, set-if-absent or compare-and-set of one AtomicKv key, with an optional TTL.
--
-- KEYS[1] value key   KEYS[2] kv index   KEYS[3] kv expiry set
-- ARGV[1] mode: 'set' | 'nx' | 'cas'   ARGV[2] the key as the caller named it (index member)
-- ARGV[3] new value   ARGV[4] ttl ms ('' = never expires)   ARGV[5] expected value (cas)
--
-- Returns 1 when it wrote, 0 when the condition failed.
--#include now
--#include kv_index

local now = server_now()
kv_prune(now)
local mode = ARGV[1]
if mode ~= 'set' then
  local current = redis.call('GET', KEYS[1])
  if mode == 'nx' and current then return 0 end
  if mode == 'cas' and current ~= ARGV[5] then return 0 end
end
if ARGV[4] == '' then
  redis.call('SET', KEYS[1], ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
end
kv_track(ARGV[2], now, ARGV[4])
return 1
