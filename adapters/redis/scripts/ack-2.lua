-- ack: settles a delivery as done, if the receipt is still current: acknowledges and deletes
-- the stream entry and drops its lease. A stale receipt (lease lost) changes nothing.
--
-- KEYS[1] band stream   KEYS[2] lease sorted set
-- ARGV[1] consumer group   ARGV[2] entry id   ARGV[3] delivery count   ARGV[4] band
--
-- Returns 1 when settled, 0 when the receipt was stale.
--#include owner

if not owner_of(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) then return 0 end
settle(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[4])
return 1
