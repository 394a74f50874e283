-- Migration 0006: a delayed message that fell due is claimed ahead of its queue's backlog. Runs
-- like 0001 (namespace schema, one transaction, advisory lock). Never edit once released.
-- due_at is the time a delayed message (a countdown, a retry's backoff, a rate-limit deferral)
-- became claimable; NULL for a message published to run at once. A claim takes due messages
-- first (earliest due first), so a deferred task whose slot came is not served after every task
-- enqueued before its slot. A claim keeps due_at: a lease that runs out is claimed again first.
ALTER TABLE stem_jobs ADD COLUMN due_at bigint;
CREATE INDEX stem_jobs_due ON stem_jobs (queue, due_at, id) WHERE due_at IS NOT NULL;
