-- Stream of a delivery from its band token, with the band streams p0..p9 at KEYS[band_base..]
-- and the due streams p0d..p9d right after them: "5" is band 5's stream, "d5" its due stream.
local function delivery_stream(token, band_base)
  if string.sub(token, 1, 1) == 'd' then
    return KEYS[band_base + 10 + tonumber(string.sub(token, 2))]
  end
  return KEYS[band_base + tonumber(token)]
end
