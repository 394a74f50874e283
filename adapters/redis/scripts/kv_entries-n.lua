-- kv_entries: reads the values and expiry times of listed AtomicKv keys in one consistent step,
-- and drops index members whose key is gone.
--
-- KEYS[1] kv index   KEYS[2] kv expiry set   KEYS[3..] value keys
-- ARGV[i] the key (as the caller named it) of KEYS[i + 2]
--
-- Returns a flat list: key, value, expires-at ms (-1 = never) for each live key, in order.
--#include now

local now = server_now()
local out = {}
for i, member in ipairs(ARGV) do
  local key = KEYS[i + 2]
  local value = redis.call('GET', key)
  if value then
    local ttl = redis.call('PTTL', key)
    out[#out + 1] = member
    out[#out + 1] = value
    out[#out + 1] = ttl >= 0 and string.format('%.0f', now + ttl) or '-1'
  else
    redis.call('ZREM', KEYS[1], member)
    redis.call('ZREM', KEYS[2], member)
  end
end
return out
