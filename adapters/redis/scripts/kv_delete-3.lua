-- kv_delete: delete or compare-and-delete of one AtomicKv key.
--
-- KEYS[1] value key   KEYS[2] kv index   KEYS[3] kv expiry set
-- ARGV[1] mode: 'del' | 'cad'   ARGV[2] the key as the caller named it   ARGV[3] expected (cad)
--
-- Returns 1 when a live key was deleted, 0 otherwise.
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if ARGV[1] == 'cad' and current ~= ARGV[3] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[2])
return 1
