-- Acks (or drops) leased messages, run once with one array per column; rows whose token moved
-- on (re-leased) are left alone. $1 id int8[], $2 token int4[]. Returns nothing.
DELETE FROM stem_jobs AS j
USING unnest($1::int8[], $2::int4[]) AS a(id, token)
WHERE j.id = a.id AND j.token = a.token
