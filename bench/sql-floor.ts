/**
 * The database's share of a task, measured beside the claims bench: the rows Petrel writes for a
 * one-step run's task — lease the task, then in one statement update the run (marking, status,
 * sequence number), append its history row and delete the task — written by hand-made SQL on
 * Petrel's schema with no engine in Node (no token game, no plugin call, no snapshot of the run's
 * open tasks). Whatever an engine does on top of these rows can only add to their cost, so this
 * rate is the most any engine that keeps Petrel's tables could drain.
 *
 * Unbatched: one connection, each statement writes one task and leases the next (Petrel's
 * one-slot path). Batched: two connections, each leasing BATCH tasks, then writing them in one
 * statement; BATCH is graphile-worker's local queue in the bench (500; Petrel's own batches are
 * 100, at which the floor is a third lower), the most favourable size for the floor.
 */
import pg from "pg";
import { ENGINE_SESSION_OPTIONS } from "../server/db/database";

const WORKER = "sql-floor";
const BATCH = 500;

/** Leases up to `limit` ready tasks (not of the runs in `skip`) for `worker`, in the claim's order. */
const lease = (due: string, worker: string, limit: string, skip: string) => `UPDATE tasks SET status = 'leased', lease_owner = ${worker}, attempt = tasks.attempt + 1, leased_at = ${due},
      lease_expires_at = ${due} + tasks.lease_ms * interval '1 millisecond'
    WHERE tasks.id = ANY (ARRAY(
      SELECT t.id FROM tasks t JOIN runs r ON r.id = t.run_id
      WHERE t.status = 'ready' AND t.run_at <= ${due} AND r.status = 'running' AND NOT (t.run_id = ANY (${skip}))
      ORDER BY t.priority DESC, t.run_at, t.id LIMIT ${limit} FOR UPDATE OF t SKIP LOCKED))
    RETURNING tasks.id, tasks.run_id, tasks.attempt`;
/** The leased tasks with their runs' state, as an engine needs them. */
const withRuns = (leased: string) => `SELECT l.id, l.run_id, l.attempt, rr.marking, rr.variables, rr.last_seq FROM ${leased} l JOIN runs rr ON rr.id = l.run_id`;
const LEASE_READ = `WITH l AS (${lease("$1::timestamptz", "$2::text", "$3::int", "'{}'::uuid[]")}) ${withRuns("l")}`;

/** Writes the tasks in $2 (JSON: run, task, attempt, marking, events) as completed. */
const WRITE = `r AS (
      UPDATE runs SET status = 'completed', marking = x.marking, last_seq = runs.last_seq + jsonb_array_length(x.e), updated_at = $1::timestamptz, completed_at = $1::timestamptz
      FROM jsonb_to_recordset($2::jsonb) AS x(run uuid, task uuid, attempt int, marking jsonb, e jsonb)
      WHERE runs.id = x.run
      RETURNING runs.id, runs.last_seq, x.e, x.task, x.attempt
    ), e AS (
      INSERT INTO run_event_batches (run_id, first_seq, last_seq, events, at)
      SELECT r.id, r.last_seq - jsonb_array_length(r.e) + 1, r.last_seq, r.e, $1::timestamptz FROM r
    ), d AS (
      DELETE FROM tasks USING r WHERE tasks.id = r.task AND tasks.lease_owner = '${WORKER}' AND tasks.attempt = r.attempt
    )`;

type Leased = { id: string; run_id: string; attempt: number };

function completion(t: Leased, at: Date) {
  const now = at.toISOString();
  const e = [
    { type: "TaskStarted", nodeId: "a0", taskId: t.id, attempt: t.attempt, worker: WORKER, startedAt: now },
    { type: "TaskCompleted", nodeId: "a0", taskId: t.id, attempt: t.attempt, transition: 1, output: {}, consumed: [], produced: [1], set: {} },
    { type: "TransitionFired", nodeId: "e", transition: 2, consumed: [1], produced: [3] },
    { type: "RunCompleted" },
  ];
  return { run: t.run_id, task: t.id, attempt: t.attempt, marking: [0, 0, 0, 1], e };
}

/** Copies the database's one ready one-step run `jobs` times (its run and task rows, new ids). */
export async function cloneReadyRuns(url: string, jobs: number): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query("BEGIN");
    await c.query(`CREATE TEMP TABLE ids ON COMMIT DROP AS SELECT gen_random_uuid() AS run, gen_random_uuid() AS task, i FROM generate_series(1, $1::int) AS i`, [jobs]);
    await c.query(`INSERT INTO runs (id, workflow_id, version_id, status, marking, variables, input, last_seq, started_by, created_at, updated_at)
      SELECT ids.run, r.workflow_id, r.version_id, 'running', r.marking, r.variables, r.input, r.last_seq, r.started_by, now(), now()
      FROM ids, (SELECT * FROM runs WHERE status = 'running' LIMIT 1) AS r`);
    await c.query(`INSERT INTO tasks (id, run_id, node_id, transition, kind, status, run_at, scheduled_at, places, lease_ms, created_at)
      SELECT ids.task, ids.run, t.node_id, t.transition, t.kind, 'ready', now() + ids.i * interval '1 microsecond', now(), t.places, t.lease_ms, now()
      FROM ids, (SELECT * FROM tasks WHERE status = 'ready' LIMIT 1) AS t`);
    await c.query("COMMIT");
  } finally {
    await c.end();
  }
}

/** Drains every ready task of the database as described above; tasks per second. */
export async function sqlFloorTasksPerSecond(url: string, batched: boolean): Promise<number> {
  const clients = await Promise.all(
    Array.from({ length: batched ? 2 : 1 }, async () => {
      const c = new pg.Client({ connectionString: url, options: ENGINE_SESSION_OPTIONS });
      await c.connect();
      return c;
    }),
  );
  let done = 0;
  const t0 = performance.now();
  try {
    if (batched) {
      await Promise.all(
        clients.map(async (c) => {
          for (;;) {
            const at = new Date();
            const leased = (await c.query<Leased>({ name: "floor_lease", text: LEASE_READ, values: [at, WORKER, BATCH] })).rows;
            if (!leased.length) return;
            const written = new Date();
            const { rows } = await c.query({ name: "floor_write", text: `WITH ${WRITE} SELECT count(*)::int AS n FROM r`, values: [written, JSON.stringify(leased.map((t) => completion(t, written)))] });
            done += rows[0].n;
          }
        }),
      );
    } else {
      const c = clients[0]!;
      // The lease leaves the run this statement writes alone, as Petrel's does.
      const writeAndLease = `WITH ${WRITE}, next AS (${lease("$1::timestamptz", "$3::text", "1", "ARRAY(SELECT (x->>'run')::uuid FROM jsonb_array_elements($2::jsonb) AS x)")})
        SELECT (SELECT count(*)::int FROM r) AS n, x.* FROM (SELECT 1) AS one LEFT JOIN (${withRuns("next")}) AS x ON true`;
      let held: Leased | undefined = (await c.query<Leased>({ name: "floor_lease", text: LEASE_READ, values: [new Date(), WORKER, 1] })).rows[0];
      while (held) {
        const at = new Date();
        const { rows } = await c.query({ name: "floor_write_lease", text: writeAndLease, values: [at, JSON.stringify([completion(held, at)]), WORKER] });
        done += rows[0].n;
        held = rows[0].id ? rows[0] : undefined;
      }
    }
    const rate = done / ((performance.now() - t0) / 1000);
    // The floor writes what Petrel writes, or it measures nothing: every run completed, no task left.
    const { rows } = await clients[0]!.query(`SELECT (SELECT count(*) FROM tasks)::int AS open, (SELECT count(*) FROM runs WHERE status = 'completed')::int AS completed,
      (SELECT count(*) FROM run_event_batches b JOIN runs r ON r.id = b.run_id AND b.last_seq = r.last_seq WHERE b.events->0->>'worker' = '${WORKER}')::int AS written`);
    const left = rows[0] as { open: number; completed: number; written: number };
    if (left.open || left.completed !== done || left.written !== done) throw new Error(`SQL floor: ${done} tasks written but ${left.open} tasks left, ${left.completed} runs completed and ${left.written} history rows`);
    return rate;
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}
