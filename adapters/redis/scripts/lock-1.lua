-- lock: acquire, renew or release one named lease by owner, in one round trip.
--
-- KEYS[1] lock key
-- ARGV[1] op: 'acquire' | 'renew' | 'release'   ARGV[2] owner   ARGV[3] ttl ms (acquire, renew)
--
-- Returns 1 when the lock is (or was, for release) the owner's and the op took effect, else 0.
local current = redis.call('GET', KEYS[1])
local op, owner = ARGV[1], ARGV[2]
if op == 'acquire' and not current then
  redis.call('SET', KEYS[1], owner, 'PX', ARGV[3])
  return 1
end
if current ~= owner then return 0 end
if op == 'release' then
  redis.call('DEL', KEYS[1])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return 1
