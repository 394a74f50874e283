-- get_dead: reads the newest dead letter of an envelope id.
--
-- KEYS[1] dead-letter stream   KEYS[2] dead-letter index hash
-- ARGV[1] envelope id
--
-- Returns { stream id, fields } or nil.
local sid = redis.call('HGET', KEYS[2], ARGV[1])
if not sid then return nil end
local entry = redis.call('XRANGE', KEYS[1], sid, sid)
return entry[1]
