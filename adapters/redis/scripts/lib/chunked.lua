-- Runs `cmd key items...` in calls of at most 4000 items (Lua's unpack stops near 8000); `items`
-- holds whole pairs where the command takes pairs, and 4000 is even.
local function call_chunked(cmd, key, items)
  for i = 1, #items, 4000 do
    redis.call(cmd, key, unpack(items, i, math.min(#items, i + 3999)))
  end
end
