-- dead_letter: settles a delivery by moving it to the queue's dead-letter stream with a reason.
-- The dead-letter time is the server clock (it is also the stream id's time). A stale receipt
-- changes nothing: the message is still live with another consumer.
--
-- KEYS[1] stream of the delivery (its band's, or its due stream)   KEYS[2] lease sorted set
-- KEYS[3] dead-letter stream   KEYS[4] dead-letter index hash (envelope id -> stream id)
-- ARGV[1] consumer group   ARGV[2] entry id   ARGV[3] delivery count   ARGV[4] band token
-- ARGV[5] envelope id   ARGV[6] reason   ARGV[7] meta JSON   ARGV[8] envelope payload
--
-- Returns the dead-letter stream id, or 0 when the receipt was stale.
--#include owner

if redis.call('ZREM', KEYS[2], lease_member(ARGV[4], ARGV[2], ARGV[3])) == 0 then return 0 end
drop_entry(KEYS[1], ARGV[1], ARGV[2])
local sid = redis.call('XADD', KEYS[3], '*', 'i', ARGV[5], 'r', ARGV[6], 'm', ARGV[7], 'e', ARGV[8])
redis.call('HSET', KEYS[4], ARGV[5], sid)
return sid
