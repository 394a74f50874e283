-- The server's clock. Returns now (int8, epoch ms).
SELECT (extract(epoch FROM clock_timestamp()) * 1000)::int8 AS now
