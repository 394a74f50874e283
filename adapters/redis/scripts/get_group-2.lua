-- get_group: reads a group and its member results.
--
-- KEYS[1] group hash   KEYS[2] group results hash
--
-- Returns { group hash fields, results hash fields } or nil when the group is missing.
local group = redis.call('HGETALL', KEYS[1])
if #group == 0 then return nil end
return { group, redis.call('HGETALL', KEYS[2]) }
