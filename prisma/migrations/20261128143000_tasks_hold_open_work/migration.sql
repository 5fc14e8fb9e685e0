-- tasks holds open work only (ready, leased, waiting): the engine deletes a task when it closes.
-- What a closed task's row held is in its run's history: each attempt's TaskStarted, heartbeats,
-- TaskFailed (with the failure), TaskCompleted (with the output) or TasksWithdrawn. The table no
-- longer grows with every step ever run, and closing a task costs a delete instead of an update
-- that added an entry to two of its indexes. Rows closed before this migration go the same way.
DELETE FROM "tasks" WHERE "status" IN ('done', 'failed', 'cancelled');
