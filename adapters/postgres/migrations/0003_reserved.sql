-- Migration 0003: reserved for the Beat schedules migration (track-beat); intentionally empty
-- so the workflow tables can be 0004. Delete this file when 0003_schedules.sql lands.
SELECT 1;
