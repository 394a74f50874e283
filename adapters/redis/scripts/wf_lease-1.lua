-- wf_lease: takes, renews or releases a run lease.
--
-- KEYS[1] run hash
-- ARGV[1] 'claim' | 'renew' | 'release', ARGV[2] owner, ARGV[3] now, ARGV[4] lease ms
--
-- Returns 1 when done, 0 otherwise. A claim needs a running run with no wait topic whose lease
-- is free, lapsed or already the owner's; a renewal needs the owner's live lease.
local owner = redis.call('HGET', KEYS[1], 'ownerId')
local expires = tonumber(redis.call('HGET', KEYS[1], 'leaseExpiresAt') or '0')
local now = tonumber(ARGV[3])
local mode = ARGV[1]
if mode == 'release' then
  if owner ~= ARGV[2] then return 0 end
  redis.call('HDEL', KEYS[1], 'ownerId', 'leaseExpiresAt')
  return 1
end
local until_ = string.format('%.0f', now + tonumber(ARGV[4]))
if mode == 'renew' then
  if owner ~= ARGV[2] or expires <= now then return 0 end
  redis.call('HSET', KEYS[1], 'leaseExpiresAt', until_)
  return 1
end
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return 0 end
if redis.call('HEXISTS', KEYS[1], 'waitTopic') == 1 then return 0 end
if owner and owner ~= ARGV[2] and expires > now then return 0 end
redis.call('HSET', KEYS[1], 'ownerId', ARGV[2], 'leaseExpiresAt', until_)
return 1
