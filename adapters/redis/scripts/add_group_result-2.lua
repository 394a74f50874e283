-- add_group_result: records a member's status in an existing group (once per task id; a
-- repeat overwrites) and returns the whole group.
--
-- KEYS[1] group hash   KEYS[2] group results hash
-- ARGV[1] member task id   ARGV[2] status JSON
--
-- Returns { group hash fields, results hash fields } or nil when the group is missing.
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -2 then return nil end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
return { redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]) }
