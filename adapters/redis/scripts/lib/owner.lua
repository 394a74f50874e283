-- The consumer holding entry `id` when it is still pending with delivery count `count`
-- (a later redelivery bumps the count, so a stale receipt no longer matches); nil otherwise.
local function owner_of(stream, group, id, count)
  local p = redis.pcall('XPENDING', stream, group, id, id, 1)
  if type(p) ~= 'table' or p.err or not p[1] then return nil end
  if tostring(p[1][4]) ~= count then return nil end
  return p[1][2]
end

-- Removes a settled entry from the stream, the pending list and the lease set.
local function settle(stream, leases, group, id, band)
  redis.call('XACK', stream, group, id)
  redis.call('XDEL', stream, id)
  redis.call('ZREM', leases, band .. '|' .. id)
end
