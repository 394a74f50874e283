-- extend: moves the lease deadline of a delivery to now + ARGV[5] ms. The entry stays with the
-- same consumer; XCLAIM ... JUSTID resets its idle time without bumping the delivery count.
--
-- KEYS[1] band stream   KEYS[2] lease sorted set
-- ARGV[1] consumer group   ARGV[2] entry id   ARGV[3] delivery count   ARGV[4] band
-- ARGV[5] extension ms
--
-- Returns the new deadline (server ms), or 0 when the lease is lost.
--#include now
--#include owner

local owner = owner_of(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
if not owner then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], owner, 0, ARGV[2], 'JUSTID')
local deadline = server_now() + tonumber(ARGV[5])
redis.call('ZADD', KEYS[2], deadline, ARGV[4] .. '|' .. ARGV[2])
return deadline
