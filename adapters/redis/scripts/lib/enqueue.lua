-- Adds one message: to the delayed set (member "band|lease|token|payload") when it is due
-- after `now`, otherwise to its band's stream (fields e = payload, t = lease ms when set).
local function enqueue(now, delayed_key, stream_key, band, lease, not_before, token, payload)
  local due = tonumber(not_before)
  if due and due > now then
    redis.call('ZADD', delayed_key, due, band .. '|' .. lease .. '|' .. token .. '|' .. payload)
  elseif lease ~= '' then
    redis.call('XADD', stream_key, '*', 'e', payload, 't', lease)
  else
    redis.call('XADD', stream_key, '*', 'e', payload)
  end
end
