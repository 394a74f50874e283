-- Migration 0007: a status write never misses a watcher that registered while it ran. Runs like
-- 0001 (namespace schema, one transaction, advisory lock). Never edit once released.
-- Under READ COMMITTED a status write decides whether to NOTIFY from its own snapshot of
-- stem_watchers, so a watch registered while the write was in flight was not seen, and the
-- watcher's read before the write committed saw the old status: waitForTask hung until its
-- timeout. watched_until lives on the status row itself: a watch registration updates the row
-- (waiting for a write in flight to commit, so its read afterwards sees it), and a write that
-- waited for the registration's row lock reads the registration's watched_until from the row it
-- locked, so it notifies.
ALTER TABLE stem_results ADD COLUMN watched_until bigint NOT NULL DEFAULT 0;
