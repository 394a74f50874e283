-- wf_save_step: stores (or replaces) a checkpoint, recomputes the cursor (distinct base names)
-- and moves updatedAt strictly forward.
--
-- KEYS[1] run hash, KEYS[2] steps hash, KEYS[3] step order zset, KEYS[4] sequence counter
-- ARGV[1] checkpoint name, ARGV[2] checkpoint JSON ({value, savedAt}), ARGV[3] now (ms),
-- ARGV[4] lease owner or '' (unfenced), ARGV[5] lease ms
--
-- Returns 1, 0 when the run does not exist, or 2 (nothing stored) when fenced by an owner that
-- does not hold the lease of the running run (a lapsed one not taken over still counts); a
-- fenced write extends the lease.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[4] ~= '' then
  if redis.call('HGET', KEYS[1], 'status') ~= 'running'
    or redis.call('HGET', KEYS[1], 'ownerId') ~= ARGV[4] then
    return 2
  end
  redis.call('HSET', KEYS[1], 'leaseExpiresAt',
    string.format('%.0f', tonumber(ARGV[3]) + tonumber(ARGV[5])))
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
if not redis.call('ZSCORE', KEYS[3], ARGV[1]) then
  redis.call('ZADD', KEYS[3], redis.call('INCR', KEYS[4]), ARGV[1])
end
local bases = {}
local count = 0
for _, name in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
  local base = string.gsub(name, '#%d+$', '')
  if not bases[base] then
    bases[base] = true
    count = count + 1
  end
end
local updated = tonumber(redis.call('HGET', KEYS[1], 'updatedAt') or '0')
local now = tonumber(ARGV[3])
if now <= updated then now = updated + 1 end
redis.call('HSET', KEYS[1], 'cursor', tostring(count), 'updatedAt', string.format('%.0f', now))
return 1
