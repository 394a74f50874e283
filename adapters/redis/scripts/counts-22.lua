-- counts: message counts of a queue. Pending = unread stream entries (of the due streams too)
-- plus delayed messages already due; inflight = entries in the consumer group's pending lists.
--
-- KEYS[1] delayed sorted set   KEYS[2] dead-letter stream
-- KEYS[3..12] band streams p0..p9   KEYS[13..22] due streams p0d..p9d
-- ARGV[1] consumer group
--
-- Returns { pending, inflight, delayed, dead }.
--#include now

local now = server_now()
local due = redis.call('ZCOUNT', KEYS[1], '-inf', now)
local pending, inflight = due, 0
for i = 3, 22 do
  local key = KEYS[i]
  local len = redis.call('XLEN', key)
  if len > 0 then
    local summary = redis.pcall('XPENDING', key, ARGV[1])
    local pel = 0
    if type(summary) == 'table' and not summary.err then pel = summary[1] end
    pending = pending + len - pel
    inflight = inflight + pel
  end
end
local delayed = redis.call('ZCARD', KEYS[1]) - due
return { pending, inflight, delayed, redis.call('XLEN', KEYS[2]) }
