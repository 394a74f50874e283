-- extend: moves the lease deadline of a delivery to now + ARGV[5] ms. The entry stays with the
-- same consumer; XCLAIM ... JUSTID also resets its idle time in the pending list (shown by
-- XPENDING) without bumping the delivery count.
--
-- KEYS[1] stream of the delivery (its band's, or its due stream)   KEYS[2] lease sorted set
-- ARGV[1] consumer group   ARGV[2] entry id   ARGV[3] delivery count   ARGV[4] band token
-- ARGV[5] extension ms
--
-- Returns the new deadline (server ms), or 0 when the lease is lost.
--#include now
--#include owner

local member = lease_member(ARGV[4], ARGV[2], ARGV[3])
if not redis.call('ZSCORE', KEYS[2], member) then return 0 end
local deadline = server_now() + tonumber(ARGV[5])
redis.call('ZADD', KEYS[2], deadline, member)
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if pending[1] then redis.call('XCLAIM', KEYS[1], ARGV[1], pending[1][2], 0, ARGV[2], 'JUSTID') end
return deadline
