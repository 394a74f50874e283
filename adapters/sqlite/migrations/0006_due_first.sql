-- Migration 0006: a delayed message that fell due is claimed ahead of its queue's backlog.
-- Applied like 0001 (one BEGIN IMMEDIATE transaction). Never edit once released.
-- due_at is the time a delayed message (a countdown, a retry's backoff, a rate-limit deferral)
-- became claimable; NULL for a message published to run at once. A claim takes due messages
-- first (earliest due first); it keeps due_at, so a lease that runs out is claimed again first.
ALTER TABLE stem_jobs ADD COLUMN due_at INTEGER;
CREATE INDEX stem_jobs_due ON stem_jobs (queue, due_at, id) WHERE due_at IS NOT NULL;
