-- Room on each page of tasks for the new versions of its rows. A task's row is rewritten by its
-- claim and by its completion. On full pages each new version moved to another page, which
-- PostgreSQL logs as an extra row lock besides the update (1.3 such records per task in the claims
-- benchmark). With room left, the new version stays on the same page. runs has kept a fifth of
-- each page free since the migration engine_hot_path_indexes.
ALTER TABLE "tasks" SET (fillfactor = 70);
