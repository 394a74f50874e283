-- claim_chord: admits exactly one claimant per group (until the group is re-initialised) and
-- records the callback task id and the claim time (server clock).
--
-- KEYS[1] group hash
-- ARGV[1] callback task id
--
-- Returns 1 for the claimant, 0 otherwise (already claimed or group missing).
--#include now

if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HSETNX', KEYS[1], 'chord.claimed', '1') == 0 then return 0 end
redis.call('HSET', KEYS[1], 'chord.callback', ARGV[1], 'chord.at', string.format('%.0f', server_now()))
return 1
