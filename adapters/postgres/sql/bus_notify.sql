-- Sends one event-bus message on "<schema>_bus". $1 body text (JSON {topic, payload}).
-- Returns nothing useful.
SELECT pg_notify(lower(current_schema()) || '_bus', $1) AS sent
