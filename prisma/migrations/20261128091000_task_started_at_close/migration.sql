-- A claim touches only the task row: it records when the lease was taken (leased_at) and that the
-- attempt's TaskStarted event is not in history yet (start_logged = false). The event is appended
-- by the first write that closes or reports on the attempt (completion, failure, heartbeat, lease
-- expiry, release, withdrawal), carrying leased_at as its start time: Temporal's rule for
-- activity attempts. A claim therefore no longer updates the run row nor appends to its history.
-- AlterTable
ALTER TABLE "tasks" ADD COLUMN "leased_at" TIMESTAMPTZ(3),
ADD COLUMN "start_logged" BOOLEAN NOT NULL DEFAULT false;

-- Tasks leased before this migration had their TaskStarted appended by their claim.
UPDATE "tasks" SET "start_logged" = true, "leased_at" = "lease_expires_at" - "lease_ms" * interval '1 millisecond' WHERE "status" = 'leased';
