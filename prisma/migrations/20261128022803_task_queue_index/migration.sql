-- DropIndex
DROP INDEX "tasks_status_run_at_priority_idx";

-- CreateIndex
CREATE INDEX "tasks_kind_status_idx" ON "tasks"("kind", "status");

-- The claim walks ready tasks in its own order (priority first, then due time, then id) and stops
-- at its LIMIT: without an index in that order every claim sorted the whole ready queue.
-- Partial (ready tasks only), so that done tasks, the bulk of the table, are not in it. Written by
-- hand: schema.prisma cannot say WHERE, and the drift check leaves such an index alone.
CREATE INDEX "tasks_ready_queue_idx" ON "tasks" ("priority" DESC, "run_at", "id") WHERE "status" = 'ready';

-- The ready tasks a claim takes, locked, in queue order. A function so that the walk along
-- tasks_ready_queue_idx is the only plan: a queue that grew faster than autovacuum analyses it
-- looks nearly empty to the planner, which then sorts the whole queue on every claim (O(queue)
-- per task instead of O(1)). plpgsql keeps the plan per connection; sorting and bitmap scans are
-- off for this one query only. `skip`: runs whose tasks the calling statement must leave alone
-- (it writes those runs itself, and a statement cannot update one row twice).
CREATE FUNCTION petrel_ready_tasks(due timestamptz, n int, skip uuid[]) RETURNS SETOF uuid
LANGUAGE plpgsql VOLATILE
SET enable_sort = off
SET enable_bitmapscan = off
AS $$
BEGIN
  RETURN QUERY
    SELECT t.id FROM tasks t JOIN runs r ON r.id = t.run_id
    WHERE t.status = 'ready' AND t.run_at <= due
      AND (r.status = 'running' OR (t.kind = 'compensation' AND r.status IN ('failed', 'cancelled')))
      AND NOT (t.run_id = ANY (skip))
    ORDER BY t.priority DESC, t.run_at, t.id
    LIMIT n
    FOR UPDATE OF t SKIP LOCKED;
END;
$$;
