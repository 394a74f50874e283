-- sched_release: gives owner ARGV[2]'s claim of entry ARGV[1] back.
--
-- KEYS[1] entries hash
if redis.call('HGET', KEYS[1], 'c:' .. ARGV[1]) == ARGV[2] then
  redis.call('HDEL', KEYS[1], 'c:' .. ARGV[1], 'cu:' .. ARGV[1])
end
return 1
