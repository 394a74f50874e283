-- init_group: creates or resets a group: clears member results and any chord claim.
--
-- KEYS[1] group hash   KEYS[2] group results hash
-- ARGV[1] expected count   ARGV[2] meta JSON   ARGV[3] ttl ms
--
-- Returns 1.
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 'expected', ARGV[1], 'meta', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
