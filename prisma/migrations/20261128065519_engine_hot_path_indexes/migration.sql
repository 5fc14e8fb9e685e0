-- The engine's hot path writes a task row two or three times per step and a run row once or twice;
-- an UPDATE that changes an indexed column (a task's status always does) adds an entry to EVERY
-- index of the table. Indexes that only a few rows need are therefore partial, so that the bulk of
-- the rows (done tasks, top-level runs) never enter them. Written by hand: schema.prisma cannot say
-- WHERE, and the drift check leaves partial indexes alone.

-- run_events has no foreign key to runs. Events are written only by the engine's flush statement,
-- which inserts each event joined to the run row it has just updated or inserted in that same
-- statement (and runs are never deleted), so the key holds by construction; the key's check cost
-- one trigger and one index probe of runs per event, the most frequent row the engine writes.
-- DropForeignKey
ALTER TABLE "run_events" DROP CONSTRAINT "run_events_run_id_fkey";

-- Child runs only: a top-level run (the usual case) is not in it.
DROP INDEX "runs_parent_run_id_idx";
CREATE INDEX "runs_parent_run_id_idx" ON "runs" ("parent_run_id") WHERE "parent_run_id" IS NOT NULL;

-- The approval inbox: waiting approvals, oldest first. Replaces (kind, status), which every task
-- entered on each of its status changes.
DROP INDEX "tasks_kind_status_idx";
CREATE INDEX "tasks_approval_inbox_idx" ON "tasks" ("scheduled_at") WHERE "kind" = 'approval' AND "status" = 'waiting';

-- The reaper's walk: leased tasks by lease expiry. Replaces the index of every task's expiry.
DROP INDEX "tasks_lease_expires_at_idx";
CREATE INDEX "tasks_leased_expiry_idx" ON "tasks" ("lease_expires_at") WHERE "status" = 'leased';

-- Room on each page for a run's new version, so that updates that leave its indexed columns alone
-- (sequence number, marking, variables: most steps of a run) can be HOT updates, which add no
-- index entries.
ALTER TABLE "runs" SET (fillfactor = 80);
