/**
 * The durable engine: the token game of a published version's net, persisted. Every operation
 * is ONE transaction that locks the run row, appends history events, updates the marking and
 * variables to match, and creates or updates tasks — so state and history never disagree.
 *
 * Activities consume their input tokens when scheduled and produce their outputs when their task
 * completes (firing split in two, as in van der Aalst's "task = start + complete" refinement);
 * waits after an event-based choice consume only when they fire, so the first event wins and the
 * others are withdrawn. Gateways, starts and ends fire at once inside the same transaction.
 *
 * The clock is injected (deps.now): due times, leases and backoff never read the wall clock here.
 */
import { randomUUID } from "node:crypto";
import { AppError } from "../../lib/errors";
import type { Transition } from "../../lib/petri/net";
import { ACTIVITY_KINDS, type WorkflowNode } from "../../lib/workflow/schema";
import { afterCommit, fastQuery, type PrismaClient, type Tx } from "../db/database";
import { evaluateExpression } from "../nodes/expressions";
import type { ServiceDeps } from "../services/deps";
import { applyEvent, fold, type EngineEvent, type Failure, type FoldedRun, type RunStatus, type TaskKind } from "./events";
import { backoffMs, leaseMs, retryPolicyOf, shouldRetry, timeoutsOf } from "./policy";
import { readEvents, readHistory } from "./history";
import { RUN_EVENTS_CHANNEL } from "./live";
import { loadVersion, type LoadedVersion } from "./version-cache";

export type EngineDeps = ServiceDeps;

export const TASKS_CHANNEL = "petrel_tasks";
export const RUNS_CHANNEL = "petrel_runs";

type RunRow = { id: string; versionId: string; status: RunStatus; marking: number[]; variables: Record<string, unknown>; parentRunId: string | null; parentTaskId: string | null };
type TaskStatus = "ready" | "leased" | "waiting" | "done" | "failed" | "cancelled";
/** A task row as the engine holds it in memory while its run is locked. */
type TaskRow = {
  id: string;
  runId: string;
  nodeId: string;
  transition: number;
  kind: string;
  status: TaskStatus;
  runAt: Date;
  attempt: number;
  priority: number;
  leaseMs: number;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  /** When the current lease was taken. */
  leasedAt: Date | null;
  /** Whether the current attempt's TaskStarted is in history (see RunTx.logStart). */
  startLogged: boolean;
  scheduledAt: Date;
  scheduleDeadline: Date | null;
  places: number[];
  consumeOnFire: boolean;
  heartbeat: unknown;
  lastError: unknown;
  childRunId: string | null;
  createdAt: Date;
};
const OPEN: readonly TaskStatus[] = ["ready", "leased", "waiting"];
const isOpen = (t: TaskRow) => OPEN.includes(t.status);
/** OPEN as an SQL list, for the statements below. */
const OPEN_SQL = `(${OPEN.map((s) => `'${s}'`).join(", ")})`;

/** Retries a transaction that lost a deadlock or serialization race (PostgreSQL aborts one side). */
export async function inTx<T>(prisma: PrismaClient, fn: (tx: Tx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await prisma.$transaction(fn, { timeout: 30_000, maxWait: 20_000 });
    } catch (error) {
      const text = `${(error as Error).message} ${String((error as { code?: unknown }).code ?? "")}`;
      const retryable = /deadlock|could not serialize|40P01|40001|P2034/i.test(text);
      if (!retryable || attempt >= 8) throw error;
      await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 20));
    }
  }
}

const date = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string));

/** A tasks row as PostgreSQL's to_jsonb gives it (snake_case columns). */
function taskFromJson(j: Record<string, unknown>): TaskRow {
  return {
    id: j.id as string,
    runId: j.run_id as string,
    nodeId: j.node_id as string,
    transition: Number(j.transition),
    kind: j.kind as string,
    status: j.status as TaskStatus,
    runAt: date(j.run_at)!,
    attempt: Number(j.attempt),
    priority: Number(j.priority),
    leaseMs: Number(j.lease_ms),
    leaseOwner: (j.lease_owner as string | null) ?? null,
    leaseExpiresAt: date(j.lease_expires_at),
    leasedAt: date(j.leased_at),
    startLogged: j.start_logged === true,
    scheduledAt: date(j.scheduled_at)!,
    scheduleDeadline: date(j.schedule_deadline),
    places: (j.places as number[]) ?? [],
    consumeOnFire: j.consume_on_fire === true,
    heartbeat: j.heartbeat ?? null,
    lastError: j.last_error ?? null,
    childRunId: (j.child_run_id as string | null) ?? null,
    createdAt: date(j.created_at)!,
  };
}

/** What the flush reads of a changed open task: its key, its run, and the columns it sets. */
function taskChangeToJson(t: TaskRow): Record<string, unknown> {
  return {
    id: t.id,
    run_id: t.runId,
    status: t.status,
    run_at: t.runAt.toISOString(),
    attempt: t.attempt,
    lease_owner: t.leaseOwner,
    lease_expires_at: t.leaseExpiresAt?.toISOString() ?? null,
    leased_at: t.leasedAt?.toISOString() ?? null,
    start_logged: t.startLogged,
    heartbeat: t.heartbeat ?? null,
    last_error: t.lastError ?? null,
    child_run_id: t.childRunId,
  };
}

function taskToJson(t: TaskRow): Record<string, unknown> {
  return {
    id: t.id,
    run_id: t.runId,
    node_id: t.nodeId,
    transition: t.transition,
    kind: t.kind,
    status: t.status,
    run_at: t.runAt.toISOString(),
    attempt: t.attempt,
    priority: t.priority,
    lease_ms: t.leaseMs,
    lease_owner: t.leaseOwner,
    lease_expires_at: t.leaseExpiresAt?.toISOString() ?? null,
    leased_at: t.leasedAt?.toISOString() ?? null,
    start_logged: t.startLogged,
    scheduled_at: t.scheduledAt.toISOString(),
    schedule_deadline: t.scheduleDeadline?.toISOString() ?? null,
    places: t.places,
    consume_on_fire: t.consumeOnFire,
    heartbeat: t.heartbeat ?? null,
    last_error: t.lastError ?? null,
    child_run_id: t.childRunId,
    created_at: t.createdAt.toISOString(),
  };
}

/**
 * One run inside one transaction: its locked row, its open tasks, the events to append and the
 * task rows to write, all in memory. Nothing is written until flush(), which writes the run, its
 * events and its tasks in ONE statement (or, for a batch of runs, one statement for all of them).
 */
class RunTx {
  /** Events appended since the last flush (drain() takes them). */
  events: EngineEvent[] = [];
  readonly state: FoldedRun;
  readonly now: Date;
  /** Tasks of the run this transaction knows: the open ones loaded with the lock, and new ones. */
  private readonly tasks = new Map<string, TaskRow>();
  private readonly inserted = new Set<string>();
  private readonly changed = new Set<string>();
  /** Something was withdrawn (running plugins must look at their leases). */
  withdrew = false;
  /**
   * Optimistic mode (no lock held): the run's sequence number when it was read. The write
   * applies only if it is unchanged, that is if nothing happened to the run in between.
   */
  expectedSeq: number | null = null;
  /** A run started in this transaction: its row is inserted by the first flush (snake_case columns). */
  created: Record<string, unknown> | null = null;
  /** Child runs finished inside this transaction, to complete their parent tasks. */
  readonly finishedChildren: Array<{ taskId: string; ok: boolean; variables: Record<string, unknown>; failure?: Failure }> = [];

  constructor(
    readonly tx: Tx,
    readonly deps: EngineDeps,
    readonly run: RunRow,
    readonly v: LoadedVersion,
    open: TaskRow[],
  ) {
    this.state = { status: run.status, marking: [...run.marking], variables: { ...run.variables }, tasks: {} };
    this.now = deps.now();
    for (const t of open) this.tasks.set(t.id, t);
  }

  emit(e: EngineEvent): void {
    if ("taskId" in e && e.type !== "TaskStarted") this.logStart(e.taskId);
    this.append(e);
  }

  private append(e: EngineEvent): void {
    this.events.push(e);
    applyEvent(this.state, e);
  }

  /**
   * A claim does not write history (it touches only the task row): the attempt's TaskStarted, with
   * the time its lease was taken, is appended just before the first event about the attempt, or
   * the first change of its row, whichever comes first — its completion, failure, heartbeat, lease
   * expiry, release or withdrawal. Temporal records activity attempts the same way.
   */
  private logStart(id: string): void {
    const t = this.tasks.get(id);
    if (!t || t.status !== "leased" || t.startLogged || !t.leasedAt) return;
    t.startLogged = true;
    if (!this.inserted.has(id)) this.changed.add(id);
    this.append({ type: "TaskStarted", nodeId: t.nodeId, taskId: t.id, attempt: t.attempt, worker: t.leaseOwner ?? "", startedAt: t.leasedAt.toISOString() });
  }

  openTasks(): TaskRow[] {
    return [...this.tasks.values()].filter(isOpen);
  }

  task(id: string): TaskRow | undefined {
    return this.tasks.get(id);
  }

  /** Tasks this transaction created and has not written yet. */
  newTasks(): TaskRow[] {
    return [...this.inserted].map((id) => this.tasks.get(id)!);
  }

  addTask(t: TaskRow): void {
    this.tasks.set(t.id, t);
    this.inserted.add(t.id);
  }

  updateTask(id: string, change: Partial<TaskRow>): TaskRow {
    const t = this.tasks.get(id);
    if (!t) throw new Error(`task ${id} is not held by this transaction`);
    if (change.status !== "leased") this.logStart(id);
    Object.assign(t, change);
    if (!this.inserted.has(id)) this.changed.add(id);
    return t;
  }

  get dirty(): boolean {
    return this.events.length > 0 || this.inserted.size > 0 || this.changed.size > 0;
  }

  /** Takes what is to be written and clears it (the in-memory state stays). */
  drain(): FlushPart {
    const events = this.events;
    this.events = [];
    let error: Failure | null = null;
    for (let i = events.length - 1; i >= 0 && !error; i--) {
      const e = events[i]!;
      if (e.type === "RunFailed") error = e.failure;
    }
    const status = this.state.status;
    const terminal = status === "completed" || status === "failed" || status === "cancelled";
    const now = this.now.toISOString();
    const inserts: Array<Record<string, unknown>> = [];
    const updates: Array<Record<string, unknown>> = [];
    const deletes: string[] = [];
    let notifyTasks = false;
    for (const id of this.inserted) {
      const t = this.tasks.get(id)!;
      if (t.status === "ready") notifyTasks = true;
      // A task that opened and closed within this write never reaches the table.
      if (isOpen(t)) inserts.push(taskToJson(t));
    }
    for (const id of this.changed) {
      const t = this.tasks.get(id)!;
      if (t.status === "ready") notifyTasks = true;
      // A task that closed (done, failed or withdrawn) leaves the table.
      if (isOpen(t)) updates.push(taskChangeToJson(t));
      else deletes.push(t.id);
    }
    const part: FlushPart = {
      run: this.created
        ? null
        : { id: this.run.id, expected: this.expectedSeq, n: events.length, e: events.length ? events : null, status, marking: this.state.marking, variables: this.state.variables, terminal, reopened: events.some((e) => e.type === "RunReopened"), error },
      created: this.created ? { ...this.created, status, marking: this.state.marking, variables: this.state.variables, last_seq: events.length, error, updated_at: now, completed_at: terminal ? now : null } : null,
      events: this.created && events.length ? { r: this.run.id, e: events } : null,
      inserts,
      updates,
      deletes,
      notifyTasks,
      withdrewIn: this.withdrew ? this.run.id : null,
    };
    this.inserted.clear();
    this.changed.clear();
    this.withdrew = false;
    this.created = null;
    return part;
  }

  async flush(): Promise<void> {
    await flushRuns(this.tx, [this], this.now);
  }
}

type FlushPart = {
  /** A run that exists: its new state and, in `e`, its new events in order (their columns are taken from them by the statement). */
  run: { id: string; expected: number | null; n: number; e: EngineEvent[] | null; status: RunStatus; marking: number[]; variables: Record<string, unknown>; terminal: boolean; reopened: boolean; error: Failure | null } | null;
  created: Record<string, unknown> | null;
  /** A run this write creates: its first events, in order. */
  events: { r: string; e: EngineEvent[] } | null;
  inserts: Array<Record<string, unknown>>;
  /** Changed open tasks (the columns the flush sets). */
  updates: Array<Record<string, unknown>>;
  /** Ids of tasks that closed: deleted. */
  deletes: string[];
  notifyTasks: boolean;
  withdrewIn: string | null;
};

/** A statement's positional parameters, numbered as they are added. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown, type: string): string {
    this.values.push(value);
    return `$${this.values.length}::${type}`;
  }
}

/** Ids as a PostgreSQL array literal (a text parameter cast to uuid[]: no JSON to parse, no subquery). */
const uuidArray = (ids: readonly string[]) => `{${ids.join(",")}}`;

/** What a committed write calls for: the runs it wrote, whether tasks became ready, runs that withdrew tasks. */
type Written = { applied: string[]; tasksReady: boolean; withdrawn: string[] };

/** A flush statement's common table expressions, and what the caller notifies once it committed. */
type FlushStatement = Omit<Written, "applied"> & {
  /** The CTEs, joined with commas (empty when there is nothing to write). */
  ctes: string;
  /** Which CTEs are in it: part of the statement's name, since each shape is its own prepared statement. */
  shape: string;
  /** `applied`: the ids of the runs it wrote, as a column expression (a JSON array, or null for none). */
  applied: string;
  /** The parameter that holds `now`, when the statement has one (a claim in the same statement reuses it). */
  at: string | null;
};

/**
 * Writes what the given runs changed in ONE statement: each run's row (which also takes the
 * events' sequence numbers), the events (one history row per run, see history.ts), new tasks,
 * changed tasks, and closed tasks (deleted). Only the parts that have rows are in the statement:
 * PostgreSQL sets up and runs every part of a statement on each execution, empty or not, and the
 * unbatched hot path (one task per statement) writes one run, one history row and one closed task.
 * `gate`: a condition new runs are inserted under (see startRunOneStatement).
 */
function flushStatement(rts: RunTx[], now: Date, p: Params, gate?: (p: Params) => string): FlushStatement {
  const parts = rts.filter((rt) => rt.dirty).map((rt) => rt.drain());
  const runs = parts.flatMap((x) => (x.run ? [x.run] : []));
  const created = parts.flatMap((x) => (x.created ? [x.created] : []));
  const events = parts.flatMap((x) => (x.events ? [x.events] : []));
  const inserts = parts.flatMap((x) => x.inserts);
  const open = parts.flatMap((x) => x.updates);
  const closed = parts.flatMap((x) => x.deletes);
  const tasksReady = parts.some((x) => x.notifyTasks);
  const withdrawn = parts.flatMap((x) => (x.withdrewIn ? [x.withdrewIn] : []));
  if (!runs.length && !created.length) return { ctes: "", shape: "", applied: "NULL::json", at: null, tasksReady, withdrawn };
  const at = p.add(now, "timestamptz");
  const ctes: string[] = [];
  if (runs.length)
    ctes.push(`r AS (
      UPDATE runs SET last_seq = runs.last_seq + x.n, updated_at = ${at}, status = x.status::"RunStatus",
        marking = x.marking, variables = x.variables,
        completed_at = CASE WHEN x.terminal THEN ${at} WHEN x.reopened THEN NULL ELSE runs.completed_at END,
        error = CASE WHEN x.reopened AND x.error IS NULL THEN NULL ELSE COALESCE(x.error, runs.error) END
      FROM jsonb_to_recordset(${p.add(JSON.stringify(runs), "jsonb")}) AS x(id uuid, expected int, n int, e jsonb, status text, marking jsonb, variables jsonb, terminal boolean, reopened boolean, error jsonb)
      WHERE runs.id = x.id AND (x.expected IS NULL OR runs.last_seq = x.expected) AND runs.id = ANY (${p.add(uuidArray(runs.map((r) => r.id)), "uuid[]")})
      RETURNING runs.id, runs.last_seq, x.n, x.e
    )`);
  if (created.length)
    ctes.push(`nr AS (
      INSERT INTO runs SELECT * FROM jsonb_populate_recordset(NULL::runs, ${p.add(JSON.stringify(created), "jsonb")}) WHERE ${gate ? gate(p) : "true"} RETURNING id, last_seq
    )`);
  // The runs written: r, nr, or both.
  const w = runs.length && created.length ? "w" : runs.length ? "r" : "nr";
  if (w === "w") ctes.push(`w AS (SELECT id FROM r UNION ALL SELECT id FROM nr)`);
  const runEvents = runs.some((r) => r.e);
  const batches = [
    runEvents ? `SELECT r.id, r.last_seq - r.n + 1, r.last_seq, r.e, ${at} FROM r WHERE r.e IS NOT NULL` : "",
    events.length ? `SELECT nr.id, 1, nr.last_seq, x.e, ${at} FROM jsonb_to_recordset(${p.add(JSON.stringify(events), "jsonb")}) AS x(r uuid, e jsonb) JOIN nr ON nr.id = x.r` : "",
  ].filter(Boolean);
  if (batches.length) ctes.push(`e AS (INSERT INTO run_event_batches (run_id, first_seq, last_seq, events, at) ${batches.join(" UNION ALL ")})`);
  if (inserts.length)
    ctes.push(`ins AS (
      INSERT INTO tasks SELECT * FROM jsonb_populate_recordset(NULL::tasks, ${p.add(JSON.stringify(inserts), "jsonb")}) AS t WHERE t.run_id IN (SELECT id FROM ${w})
    )`);
  if (open.length)
    ctes.push(`upd AS (
      UPDATE tasks SET status = u.status, run_at = u.run_at, attempt = u.attempt, lease_owner = u.lease_owner,
        lease_expires_at = u.lease_expires_at, leased_at = u.leased_at, start_logged = u.start_logged, heartbeat = u.heartbeat, last_error = u.last_error, child_run_id = u.child_run_id
      FROM jsonb_populate_recordset(NULL::tasks, ${p.add(JSON.stringify(open), "jsonb")}) AS u
      WHERE tasks.id = u.id AND tasks.run_id IN (SELECT id FROM ${w}) AND tasks.id = ANY (${p.add(uuidArray(open.map((u) => u.id as string)), "uuid[]")})
    )`);
  if (closed.length) ctes.push(`del AS (DELETE FROM tasks WHERE tasks.id = ANY (${p.add(uuidArray(closed), "uuid[]")}) AND tasks.run_id IN (SELECT id FROM ${w}))`);
  const shape = [runs.length && "r", created.length && "n", runEvents && "e", events.length && "f", inserts.length && "i", open.length && "u", closed.length && "d"].filter(Boolean).join("");
  return { ctes: ctes.join(", "), shape, applied: `(SELECT json_agg(id) FROM ${w})`, at, tasksReady, withdrawn };
}

/**
 * Every write commits without notifying and leaves its NOTIFYs to the caller, who sends them after
 * the commit (notifyCommitted): a NOTIFY in the statement would hold PostgreSQL's database-wide
 * notification lock through the commit's disk flush, one writer after another.
 */
const written = (f: FlushStatement, applied: string[] | null | undefined): Written => ({ applied: applied ?? [], tasksReady: f.tasksReady, withdrawn: f.withdrawn });

/** After a write committed: the NOTIFYs it calls for, merged and sent. */
function notifyCommitted(deps: EngineDeps, row: Written | undefined, claimedRuns: Iterable<string> = []): void {
  const notifier = afterCommit(deps.prisma);
  const onError = (error: unknown) => deps.log.warn({ err: error }, "a NOTIFY after commit failed; listeners catch up at their next poll");
  const runs = new Set([...(row?.applied ?? []), ...claimedRuns]);
  if (runs.size) notifier.notify(RUN_EVENTS_CHANNEL, runs, onError);
  if (!row?.applied?.length) return;
  if (row.tasksReady) notifier.notify(TASKS_CHANNEL, undefined, onError);
  if (row.withdrawn?.length) notifier.notify(RUNS_CHANNEL, row.withdrawn, onError);
}

/** Tasks to claim in the same statement as a flush, for `worker`, leaving the runs in `skip` alone. */
type ClaimWith = { worker: string; limit: number; skip: string[] };

/**
 * The hot path's flush, outside a transaction: writes the runs and, when asked, claims next work
 * in the same statement (one round trip, one commit per task when unbatched); the claim leaves
 * the runs the flush writes alone.
 */
async function flushAndClaim(deps: EngineDeps, rts: RunTx[], now: Date, claim: ClaimWith | null): Promise<{ applied: Set<string>; claimed: ClaimedRow[] }> {
  const claiming = claim && claim.limit > 0;
  if (!claiming && !rts.some((rt) => rt.dirty)) return { applied: new Set(), claimed: [] };
  const p = new Params();
  const f = flushStatement(rts, now, p);
  const ctes = claiming ? [f.ctes, claimCtes(f.at ?? p.add(now, "timestamptz"), p.add(claim.limit, "int"), p.add(claim.worker, "text"), p.add(uuidArray(claim.skip), "uuid[]"))].filter(Boolean).join(", ") : f.ctes;
  const sql = `WITH ${ctes} SELECT ${f.applied} AS applied${claiming ? ", (SELECT json_agg(c) FROM claimed c) AS claimed" : ""}`;
  const [row] = await fastQuery(deps.prisma)<{ applied: string[] | null; claimed?: ClaimedRow[] | null }>(`petrel_flush_${f.shape}${claiming ? "_claim" : ""}`, sql, p.values);
  const claimed = row?.claimed ?? [];
  notifyCommitted(deps, written(f, row?.applied), claimed.map((c) => c.run_id));
  return { applied: new Set(row?.applied ?? []), claimed };
}

/** What each transaction wrote, to be notified once it has committed (see engineTx). */
const writtenBy = new WeakMap<Tx, Written[]>();

/** Writes the runs inside a transaction. */
async function flushRuns(tx: Tx, rts: RunTx[], now: Date): Promise<Set<string>> {
  if (!rts.some((rt) => rt.dirty)) return new Set();
  const p = new Params();
  const f = flushStatement(rts, now, p);
  const [row] = await tx.$queryRawUnsafe<Array<{ applied: string[] | null }>>(`WITH ${f.ctes} SELECT ${f.applied} AS applied`, ...p.values);
  writtenBy.get(tx)?.push(written(f, row?.applied));
  return new Set(row?.applied ?? []);
}

/** Runs locked by each transaction: one in-memory state per run, however often it is opened. */
const held = new WeakMap<Tx, Map<string, RunTx>>();

type RunJson = { id: string; version_id: string; status: RunStatus; marking: number[]; variables: Record<string, unknown>; parent_run_id: string | null; parent_task_id: string | null };

/**
 * Locks runs (in id order, so that two batches never deadlock on each other) and loads their open
 * tasks, locked too: two statements however many runs. The tasks are read after the lock is held,
 * so that they include every change committed before it; their row locks hold claims off them (a
 * claim changes only task rows, and skips locked ones) and wait for a claim in flight.
 */
function heldBy(tx: Tx): Map<string, RunTx> {
  let known = held.get(tx);
  if (!known) held.set(tx, (known = new Map()));
  return known;
}

async function lockRuns(tx: Tx, deps: EngineDeps, runIds: string[]): Promise<Map<string, RunTx>> {
  const known = heldBy(tx);
  const out = new Map<string, RunTx>();
  const wanted = [...new Set(runIds)].sort();
  for (const id of wanted) if (known.has(id)) out.set(id, known.get(id)!);
  const fresh = wanted.filter((id) => !known.has(id));
  if (!fresh.length) return out;
  const ids = JSON.stringify(fresh);
  const rows = await tx.$queryRaw<RunJson[]>`
    SELECT id, version_id, status, marking, variables, parent_run_id, parent_task_id FROM runs
    WHERE id = ANY (ARRAY(SELECT jsonb_array_elements_text(${ids}::jsonb)::uuid)) ORDER BY id FOR UPDATE`;
  const open = rows.length
    ? await tx.$queryRaw<Array<{ t: Record<string, unknown> }>>`
        SELECT to_jsonb(t) AS t FROM tasks t
        WHERE t.run_id = ANY (ARRAY(SELECT jsonb_array_elements_text(${ids}::jsonb)::uuid)) AND t.status IN ('ready', 'leased', 'waiting')
        ORDER BY t.created_at, t.id FOR UPDATE`
    : [];
  const byRun = new Map<string, TaskRow[]>();
  for (const { t } of open) {
    const row = taskFromJson(t);
    byRun.set(row.runId, [...(byRun.get(row.runId) ?? []), row]);
  }
  for (const r of rows) {
    const v = await loadVersion(tx, r.version_id);
    const run: RunRow = { id: r.id, versionId: r.version_id, status: r.status, marking: r.marking, variables: r.variables, parentRunId: r.parent_run_id, parentTaskId: r.parent_task_id };
    const rt = new RunTx(tx, deps, run, v, byRun.get(r.id) ?? []);
    known.set(r.id, rt);
    out.set(r.id, rt);
  }
  return out;
}

/**
 * An engine operation: one transaction (retried after a deadlock) that ends by writing every run
 * it touched — one statement for all of them — and, once committed, notifies what it wrote.
 */
async function engineTx<T>(deps: EngineDeps, fn: (tx: Tx) => Promise<T>): Promise<T> {
  let wrote: Written[] = [];
  const result = await inTx(deps.prisma, async (tx) => {
    writtenBy.set(tx, (wrote = [])); // a retried attempt starts over
    const out = await fn(tx);
    await flushRuns(tx, [...heldBy(tx).values()], deps.now());
    return out;
  });
  for (const row of wrote) notifyCommitted(deps, row);
  return result;
}

async function openRun(tx: Tx, deps: EngineDeps, runId: string): Promise<RunTx> {
  const rt = (await lockRuns(tx, deps, [runId])).get(runId);
  if (!rt) throw new AppError("NOT_FOUND", { message: `There is no run ${runId}.` });
  return rt;
}

const places = (arcs: Transition["inputs"]) => arcs.flatMap((a) => Array<number>(a.weight).fill(a.place));

// ---------------------------------------------------------------------------------------------
// Starting runs

export type StartRunInput = {
  versionId: string;
  input: Record<string, unknown>;
  startedById?: string | null;
  parent?: { runId: string; taskId: string };
  /** Re-run: start with this marking and these variables instead of the net's initial marking and the input. */
  from?: { marking: number[]; variables: Record<string, unknown>; rerunOf: { runId: string; nodeId: string } };
};

/** A new run in memory, with its RunStarted event: inserted by the flush, with its first events and tasks. */
function newRun(tx: Tx, deps: EngineDeps, v: LoadedVersion, args: StartRunInput): RunTx {
  const id = randomUUID();
  const now = deps.now();
  const marking = args.from ? args.from.marking.slice() : v.net.initial.slice();
  const rt = new RunTx(tx, deps, { id, versionId: v.id, status: "running", marking, variables: {}, parentRunId: args.parent?.runId ?? null, parentTaskId: args.parent?.taskId ?? null }, v, []);
  rt.created = {
    id,
    workflow_id: v.workflowId,
    version_id: v.id,
    input: args.input,
    parent_run_id: args.parent?.runId ?? null,
    parent_task_id: args.parent?.taskId ?? null,
    started_by: args.startedById ?? null,
    deadline: v.graph.runTimeoutMs ? new Date(now.getTime() + v.graph.runTimeoutMs).toISOString() : null,
    created_at: now.toISOString(),
  };
  heldBy(tx).set(id, rt);
  rt.emit({ type: "RunStarted", input: args.input, marking, set: args.from ? args.from.variables : args.input, ...(args.from ? { rerunOf: args.from.rerunOf } : {}) });
  return rt;
}

async function startRunInTx(tx: Tx, deps: EngineDeps, args: StartRunInput): Promise<{ runId: string; rt: RunTx }> {
  const rt = newRun(tx, deps, await loadVersion(tx, args.versionId), args);
  await advance(rt);
  await rt.flush();
  return { runId: rt.run.id, rt };
}

/**
 * Called inside an engine operation's transaction, so that what the caller records about it
 * (the audit row) commits or rolls back together with it. The engine knows nothing more of it.
 */
export type InTxHook = (tx: Tx, runId: string) => Promise<void>;

/**
 * A start written by ONE statement, outside any transaction: the run, its first events and tasks,
 * and the caller's audit row (audit_log columns). It applies only while the version is still the
 * one the caller means (the workflow, not archived, with no version above `latest`): a caller that
 * remembers the latest version checks that it still is, in the same statement that starts.
 */
function startStatement(rt: RunTx, workflowId: string, latest: number, audit: AuditRow): { name: string; sql: string; values: unknown[]; f: FlushStatement } {
  const p = new Params();
  const f = flushStatement([rt], rt.now, p, (q) => {
    const wf = q.add(workflowId, "uuid");
    return `EXISTS (SELECT 1 FROM workflows wf WHERE wf.id = ${wf} AND wf.status <> 'archived')
        AND NOT EXISTS (SELECT 1 FROM workflow_versions wv WHERE wv.workflow_id = ${wf} AND wv.version > ${q.add(latest, "int")})`;
  });
  const sql = `WITH ${f.ctes}, audit AS (
      INSERT INTO audit_log (at, actor_type, actor_id, actor_label, action, target_type, target_id, before, after, request_id, ip, user_agent)
      SELECT a.at, a.actor_type, a.actor_id, a.actor_label, a.action, a.target_type, a.target_id, a.before, a.after, a.request_id, a.ip, a.user_agent
      FROM jsonb_to_record(${p.add(JSON.stringify(audit), "jsonb")}) AS a(at timestamptz, actor_type text, actor_id text, actor_label text, action text, target_type text, target_id text, before jsonb, after jsonb, request_id text, ip text, user_agent text)
      WHERE EXISTS (SELECT 1 FROM nr)
    )
    SELECT ${f.applied} AS applied`;
  return { name: `petrel_start_${f.shape}`, sql, values: p.values, f };
}

/** An audit row as audit_log's columns (snake_case), to be written with the change it describes. */
export type AuditRow = Record<string, unknown> & { target_id?: string | null };

/**
 * Starts a run in one statement when it can (see startStatement): the token game is played in memory
 * first. A start that needs more than its own run (a sub-workflow or a waiting signal at once)
 * returns "needs-transaction", one whose version is no longer the latest (`latest`) or whose
 * workflow was deleted "stale"; nothing is written and the caller takes startRun instead.
 */
export async function startRunOneStatement(deps: EngineDeps, args: StartRunInput & { workflowId: string; latest: number | null }, audit: (runId: string) => AuditRow): Promise<{ runId: string } | "stale" | "needs-transaction"> {
  const rt = newRun(noDatabase(), deps, await loadVersion(deps.prisma, args.versionId), args);
  const id = rt.run.id;
  try {
    await advance(rt);
  } catch (error) {
    if (error instanceof NeedsLock) return "needs-transaction";
    throw error;
  }
  if (rt.finishedChildren.length) return "needs-transaction";
  const st = startStatement(rt, args.workflowId, args.latest ?? 2147483647, audit(id));
  const [row] = await fastQuery(deps.prisma)<{ applied: string[] | null }>(st.name, st.sql, st.values);
  notifyCommitted(deps, written(st.f, row?.applied));
  return row?.applied?.includes(id) ? { runId: id } : "stale";
}

/** Starts a run of a published version; returns its id. */
export async function startRun(deps: EngineDeps, args: StartRunInput, hook?: InTxHook): Promise<string> {
  return engineTx(deps, async (tx) => {
    const { runId, rt } = await startRunInTx(tx, deps, args);
    await settleChildren(rt);
    await hook?.(tx, runId);
    return runId;
  });
}

// ---------------------------------------------------------------------------------------------
// The token game

function nodeOf(rt: RunTx, ti: number): WorkflowNode {
  return rt.v.nodes.get(rt.v.net.transitions[ti]!.origin.nodeId!)!;
}

function isErrorTransition(rt: RunTx, t: Transition): boolean {
  return t.origin.edgeId !== undefined && rt.v.errorEdges.has(t.origin.edgeId);
}

function conditionHolds(rt: RunTx, expression: string): boolean {
  try {
    return evaluateExpression(expression, rt.state.variables) === true;
  } catch {
    return false;
  }
}

/** The out-edge of a branch transition (its only output place's edge). */
function outEdgeOf(rt: RunTx, t: Transition): string | undefined {
  return rt.v.net.places[t.outputs[0]?.place ?? -1]?.origin.edgeId;
}

/** Picks the branch of an exclusive split for the token on `ti`'s input place. */
function chooseExclusive(rt: RunTx, ti: number): number | Failure {
  const t = rt.v.net.transitions[ti]!;
  const node = nodeOf(rt, ti);
  const input = t.inputs[0]!.place;
  const siblings = rt.v.net.transitions.map((x, i) => ({ x, i })).filter(({ x }) => x.origin.nodeId === node.id && x.inputs[0]?.place === input);
  const edges = rt.v.graph.edges.filter((e) => e.source === node.id && e.kind === "flow");
  const byEdge = new Map(siblings.map(({ x, i }) => [outEdgeOf(rt, x), i]));
  for (const e of edges) if (!e.isDefault && e.condition !== undefined && conditionHolds(rt, e.condition)) return byEdge.get(e.id)!;
  const def = edges.find((e) => e.isDefault);
  if (def) return byEdge.get(def.id)!;
  return { type: "NoBranch", message: `No condition of "${node.label ?? node.id}" holds and it has no default branch.`, nonRetryable: true };
}

function chooseInclusive(rt: RunTx, ti: number): number | Failure {
  const t = rt.v.net.transitions[ti]!;
  const node = nodeOf(rt, ti);
  const input = t.inputs[0]!.place;
  const edges = rt.v.graph.edges.filter((e) => e.source === node.id && e.kind === "flow");
  let chosen = edges.filter((e) => !e.isDefault && e.condition !== undefined && conditionHolds(rt, e.condition)).map((e) => e.id);
  if (!chosen.length) chosen = edges.filter((e) => e.isDefault).map((e) => e.id);
  if (!chosen.length) return { type: "NoBranch", message: `No condition of "${node.label ?? node.id}" holds and it has no default branch.`, nonRetryable: true };
  const want = [...chosen].sort().join("+");
  const i = rt.v.net.transitions.findIndex((x) => x.origin.nodeId === node.id && x.inputs[0]?.place === input && x.outputs.map((a) => rt.v.net.places[a.place]!.origin.edgeId).sort().join("+") === want);
  return i;
}

async function withdrawTasks(rt: RunTx, tasks: TaskRow[], reason: string): Promise<void> {
  if (!tasks.length) return;
  // Without the lock, a ready task may have been claimed since the run was read (a claim changes
  // only the task row, not the run's sequence number): withdrawing it takes the locking path.
  if (rt.expectedSeq !== null && tasks.some((t) => t.status === "ready")) throw new NeedsLock("a withdrawal of a ready task");
  const ids = tasks.map((t) => t.id);
  for (const id of ids) rt.updateTask(id, { status: "cancelled", leaseOwner: null, leaseExpiresAt: null });
  rt.withdrew = true;
  rt.emit({ type: "TasksWithdrawn", taskIds: ids, reason });
  // Child runs of withdrawn sub-workflow tasks are cancelled too.
  for (const t of tasks) if (t.childRunId) await cancelInTx(rt.tx, rt.deps, t.childRunId, `its parent's step "${t.nodeId}" was withdrawn`);
}

/** Fires an automatic transition; withdraws tasks whose tokens a reset took. */
async function fireNow(rt: RunTx, ti: number): Promise<void> {
  const t = rt.v.net.transitions[ti]!;
  rt.emit({ type: "TransitionFired", nodeId: t.origin.nodeId, transition: ti, consumed: places(t.inputs), produced: places(t.outputs), ...(t.resets?.length ? { resets: t.resets } : {}) });
  if (t.resets?.length) await withdrawHolding(rt, new Set(t.resets), "cancelled by a cancel region or a terminate end");
}

async function withdrawHolding(rt: RunTx, placeSet: Set<number>, reason: string): Promise<void> {
  const open = rt.openTasks();
  await withdrawTasks(rt, open.filter((task) => task.places.some((p) => placeSet.has(p))), reason);
}

function taskKindOf(node: WorkflowNode): TaskKind {
  switch (node.kind) {
    case "timer":
      return "timer";
    case "signal":
      return "signal";
    case "approval":
      return "approval";
    case "sub-workflow":
      return "child";
    default:
      return "activity";
  }
}

/** The signal name a waiting node listens for. */
export function signalNameOf(node: WorkflowNode): string | undefined {
  if (node.kind === "signal") return String(node.config?.name ?? "");
  if (node.kind === "approval") return `approval:${node.id}`;
  return undefined;
}

function timerDue(node: WorkflowNode, now: Date): Date {
  const until = node.config?.until;
  if (typeof until === "string" && !Number.isNaN(Date.parse(until))) return new Date(until);
  const d = String(node.config?.duration ?? "PT0S");
  const m = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(d);
  if (!m) return now;
  const [, w, dd, h, mi, s] = m;
  const ms = ((Number(w ?? 0) * 7 + Number(dd ?? 0)) * 86400 + Number(h ?? 0) * 3600 + Number(mi ?? 0) * 60 + Number(s ?? 0)) * 1000;
  return new Date(now.getTime() + ms);
}

function newTask(rt: RunTx, t: Pick<TaskRow, "id" | "nodeId" | "transition" | "kind" | "status" | "runAt" | "leaseMs" | "places"> & Partial<TaskRow>): TaskRow {
  return { runId: rt.run.id, attempt: 0, priority: 0, leaseOwner: null, leaseExpiresAt: null, leasedAt: null, startLogged: false, scheduledAt: rt.now, scheduleDeadline: null, consumeOnFire: false, heartbeat: null, lastError: null, childRunId: null, createdAt: rt.now, ...t };
}

async function schedule(rt: RunTx, ti: number, consumeOnFire: boolean): Promise<void> {
  const t = rt.v.net.transitions[ti]!;
  const node = nodeOf(rt, ti);
  const kind = taskKindOf(node);
  const id = randomUUID();
  const consumed = places(t.inputs);
  const runAt = kind === "timer" ? timerDue(node, rt.now) : rt.now;
  const timeouts = timeoutsOf(node.timeouts);
  rt.addTask(
    newTask(rt, {
      id,
      nodeId: node.id,
      transition: ti,
      kind,
      status: kind === "activity" || kind === "timer" ? "ready" : "waiting",
      runAt,
      scheduleDeadline: timeouts.scheduleToCloseMs ? new Date(rt.now.getTime() + timeouts.scheduleToCloseMs) : null,
      leaseMs: leaseMs(timeouts),
      places: consumed,
      consumeOnFire,
    }),
  );
  rt.emit({ type: "NodeScheduled", nodeId: node.id, taskId: id, kind, transition: ti, runAt: runAt.toISOString(), consumed, consumeOnFire });
  const name = signalNameOf(node);
  if (name) {
    const waiting = await rt.tx.signal.findFirst({ where: { runId: rt.run.id, name, consumedAt: null }, orderBy: { receivedAt: "asc" } });
    if (waiting) await deliverSignal(rt, rt.task(id)!, waiting);
  }
  if (kind === "child") await startChild(rt, node, id);
}

/** Starts the child run of a sub-workflow node, pinned to a version. */
async function startChild(rt: RunTx, node: WorkflowNode, taskId: string): Promise<void> {
  const ref = String(node.config?.workflow ?? "");
  const pinned = typeof node.config?.version === "number" ? node.config.version : undefined;
  const wf = await rt.tx.workflow.findFirst({ where: { OR: [{ slug: ref }, ...(/^[0-9a-f-]{36}$/.test(ref) ? [{ id: ref }] : [])] }, select: { id: true } });
  const version = wf
    ? await rt.tx.workflowVersion.findFirst({ where: { workflowId: wf.id, ...(pinned ? { version: pinned } : {}) }, orderBy: { version: "desc" }, select: { id: true } })
    : null;
  const task = rt.task(taskId)!;
  if (!version) {
    await failInRun(rt, task, { type: "ChildWorkflowMissing", message: `Workflow "${ref}"${pinned ? ` version ${pinned}` : ""} is not published.`, nonRetryable: true }, task.attempt);
    return;
  }
  const child = await startRunInTx(rt.tx, rt.deps, { versionId: version.id, input: rt.state.variables, parent: { runId: rt.run.id, taskId } });
  rt.updateTask(taskId, { childRunId: child.runId });
  if (child.rt.state.status === "completed") rt.finishedChildren.push({ taskId, ok: true, variables: child.rt.state.variables });
  else if (child.rt.state.status === "failed") rt.finishedChildren.push({ taskId, ok: false, variables: {}, failure: { type: "ChildRunFailed", message: `The sub-workflow run ${child.runId} failed.`, nonRetryable: true } });
}

/** Plays every automatic transition and schedules every enabled activity, then checks for the end. */
async function advance(rt: RunTx): Promise<void> {
  const net = rt.v.net;
  for (let guard = 0; guard < 100_000; guard++) {
    if (rt.state.status !== "running" && rt.state.status !== "paused") return;
    let progressed = false;
    for (let ti = 0; ti < net.transitions.length && !progressed; ti++) {
      const t = net.transitions[ti]!;
      if (isErrorTransition(rt, t) || !rt.v.enabled(ti, rt.state.marking)) continue;
      const node = nodeOf(rt, ti);
      if (node.kind === "exclusive-split" || node.kind === "inclusive-split") {
        const chosen = node.kind === "exclusive-split" ? chooseExclusive(rt, ti) : chooseInclusive(rt, ti);
        if (typeof chosen !== "number" || chosen < 0) {
          await failRun(rt, typeof chosen === "number" ? { type: "NoBranch", message: `No branch of "${node.id}" fits.`, nonRetryable: true } : chosen);
          return;
        }
        await fireNow(rt, chosen);
        progressed = true;
      } else if (ACTIVITY_KINDS.has(node.kind)) {
        if (rt.v.raceNodes.has(node.id)) {
          const open = rt.openTasks();
          if (open.some((task) => task.nodeId === node.id && task.transition === ti)) continue;
          await schedule(rt, ti, true);
        } else {
          await schedule(rt, ti, false);
        }
        progressed = true;
      } else {
        await fireNow(rt, ti);
        progressed = true;
      }
    }
    if (!progressed) break;
    if (guard === 99_999) await failRun(rt, { type: "Livelock", message: "The run went round without reaching a step 100,000 times.", nonRetryable: true });
  }
  await checkEnd(rt);
}

async function checkEnd(rt: RunTx): Promise<void> {
  if (rt.state.status !== "running" && rt.state.status !== "paused") return;
  const open = rt.openTasks();
  if (open.length) return;
  const m = rt.state.marking;
  const final = m.some((n) => n > 0) && m.every((n, p) => n === 0 || rt.v.sinkMask[p]);
  if (final) {
    rt.emit({ type: "RunCompleted" });
    await notifyParent(rt, true);
    return;
  }
  const anyEnabled = rt.v.net.transitions.some((t, ti) => !isErrorTransition(rt, t) && rt.v.enabled(ti, m));
  if (!anyEnabled) await failRun(rt, { type: "Stuck", message: "The run cannot go on: no step is waiting and it has not reached an end.", nonRetryable: true });
}

/** Fails the run: withdraws open work, starts compensation, cancels children, tells the parent. */
async function failRun(rt: RunTx, failure: Failure): Promise<void> {
  await withdrawTasks(rt, rt.openTasks(), "the run failed");
  rt.emit({ type: "RunFailed", failure });
  await scheduleNextCompensation(rt);
  await notifyParent(rt, false, failure);
}

/**
 * Saga compensation: when a run fails or is cancelled, the compensating node of every completed
 * node that names one runs, one at a time, most recent completion first. A compensation that
 * fails (after its retries) is recorded and the next one still runs.
 */
async function scheduleNextCompensation(rt: RunTx): Promise<void> {
  await rt.flush(); // what follows reads this run's history, this write's events included
  const history = await readEvents(rt.tx, rt.run.id);
  const completed = history.filter((e): e is Extract<EngineEvent, { type: "TaskCompleted" }> => e.type === "TaskCompleted");
  const due = completed.map((e) => rt.v.nodes.get(e.nodeId)?.compensate).filter((h): h is string => !!h).reverse();
  const already = history.filter((e) => e.type === "NodeScheduled" && e.kind === "compensation").length;
  const handler = due[already];
  if (!handler) return;
  const id = randomUUID();
  rt.addTask(newTask(rt, { id, nodeId: handler, transition: -1, kind: "compensation", status: "ready", runAt: rt.now, leaseMs: leaseMs(timeoutsOf(rt.v.nodes.get(handler)?.timeouts)), places: [] }));
  rt.emit({ type: "NodeScheduled", nodeId: handler, taskId: id, kind: "compensation", transition: -1, runAt: rt.now.toISOString(), consumed: [], consumeOnFire: false });
}

async function notifyParent(rt: RunTx, ok: boolean, failure?: Failure): Promise<void> {
  const { parentRunId, parentTaskId } = rt.run;
  if (!parentRunId || !parentTaskId) return;
  // The parent may be the caller of this very transaction (a child finished at once): it settles it.
  const heldParent = heldBy(rt.tx).get(parentRunId);
  const parentRow = heldParent ? heldParent.task(parentTaskId) : await rt.tx.task.findUnique({ where: { id: parentTaskId }, select: { childRunId: true, status: true } });
  if (!parentRow || parentRow.childRunId !== rt.run.id) return;
  await rt.flush();
  const parent = await openRun(rt.tx, rt.deps, parentRunId);
  const task = parent.task(parentTaskId);
  if (!task || task.status !== "waiting") return;
  if (ok) await completeInRun(parent, task, { childRunId: rt.run.id, variables: rt.state.variables }, "TaskCompleted");
  else await failInRun(parent, task, { type: "ChildRunFailed", message: `The sub-workflow run ${rt.run.id} ${failure ? `failed: ${failure.message}` : "failed"}.`, nonRetryable: true }, task.attempt);
  await advance(parent);
  await settleChildren(parent);
}

/** Settles child runs that finished inside the transaction that started them. */
async function settleChildren(rt: RunTx): Promise<void> {
  while (rt.finishedChildren.length) {
    const c = rt.finishedChildren.shift()!;
    const task = rt.task(c.taskId);
    if (!task || task.status !== "waiting") continue;
    if (c.ok) await completeInRun(rt, task, { variables: c.variables }, "TaskCompleted");
    else await failInRun(rt, task, c.failure!, task.attempt);
    await advance(rt);
  }
}

/** Variables a finished task sets: its declared outputs, taken from its result. */
function outputsOf(node: WorkflowNode, result: unknown): Record<string, unknown> {
  const names = node.outputs ?? [];
  if (!names.length) return {};
  if (node.kind === "for-each") return { [names[0]!]: result };
  const obj = result && typeof result === "object" && !Array.isArray(result) ? (result as Record<string, unknown>) : {};
  const inner = node.kind === "sub-workflow" ? ((obj.variables as Record<string, unknown>) ?? {}) : obj;
  return Object.fromEntries(names.map((n) => [n, inner[n] ?? null]));
}

/** Completes a task's transition inside an open run transaction. Returns false when its tokens are gone. */
async function completeInRun(rt: RunTx, task: TaskRow, output: unknown, type: "TaskCompleted" | "TimerFired"): Promise<boolean> {
  if (task.kind === "compensation") {
    rt.updateTask(task.id, { status: "done", leaseOwner: null, leaseExpiresAt: null });
    rt.emit({ type: "TaskCompleted", nodeId: task.nodeId, taskId: task.id, attempt: task.attempt, transition: -1, output: output ?? null });
    await scheduleNextCompensation(rt);
    return true;
  }
  const t = rt.v.net.transitions[task.transition]!;
  const node = rt.v.nodes.get(task.nodeId)!;
  const held = task.places;
  if (task.consumeOnFire && !held.every((p) => (rt.state.marking[p] ?? 0) > 0)) return false;
  const move = { consumed: task.consumeOnFire ? held : [], produced: places(t.outputs), ...(t.resets?.length ? { resets: t.resets } : {}), set: outputsOf(node, output) };
  rt.updateTask(task.id, { status: "done", leaseOwner: null, leaseExpiresAt: null });
  if (type === "TimerFired") rt.emit({ type, nodeId: node.id, taskId: task.id, transition: task.transition, ...move });
  else rt.emit({ type, nodeId: node.id, taskId: task.id, attempt: task.attempt, transition: task.transition, output: output ?? null, ...move });
  if (task.consumeOnFire) {
    const rivals = rt.openTasks().filter((o) => o.consumeOnFire && o.places.some((p) => held.includes(p)));
    await withdrawTasks(rt, rivals, `"${node.label ?? node.id}" happened first`);
  }
  if (t.resets?.length) await withdrawHolding(rt, new Set(t.resets), "cancelled by a cancel region or a terminate end");
  return true;
}

/** A final failure of a task: along an error edge when drawn, else the run fails. */
async function failInRun(rt: RunTx, task: TaskRow, failure: Failure, attempt: number): Promise<void> {
  rt.updateTask(task.id, { status: "failed", leaseOwner: null, leaseExpiresAt: null, lastError: failure });
  rt.emit({ type: "TaskFailed", nodeId: task.nodeId, taskId: task.id, attempt, failure, final: true });
  if (task.kind === "compensation") {
    await scheduleNextCompensation(rt);
    return;
  }
  const t = rt.v.net.transitions[task.transition]!;
  const input = t.inputs[0]?.place;
  const errorTi = rt.v.net.transitions.findIndex((x) => x.origin.nodeId === task.nodeId && isErrorTransition(rt, x) && x.inputs[0]?.place === input);
  if (errorTi >= 0) {
    const et = rt.v.net.transitions[errorTi]!;
    rt.emit({ type: "ErrorRouted", nodeId: task.nodeId, taskId: task.id, transition: errorTi, failure, consumed: task.consumeOnFire ? task.places : [], produced: places(et.outputs), set: { error: failure } });
    return;
  }
  await failRun(rt, { ...failure, message: `"${rt.v.nodes.get(task.nodeId)?.label ?? task.nodeId}" failed: ${failure.message}` });
}

// ---------------------------------------------------------------------------------------------
// Workers: claim, complete, fail, heartbeat; the reaper

export type ClaimedTask = {
  id: string;
  runId: string;
  nodeId: string;
  kind: TaskKind;
  attempt: number;
  leaseExpiresAt: Date;
  node: WorkflowNode;
  variables: Record<string, unknown>;
  /**
   * The run as the claim read it (row, sequence number, open tasks): the completion plays on it
   * without reading the run again, and writes only if the run's sequence number has not moved
   * since.
   */
  snapshot?: RunSnapshot;
};

/** A run read by a claim or a completion: its row, sequence number and open tasks. */
type RunSnapshot = RunJson & { last_seq: number; open: Array<Record<string, unknown>> };

/**
 * The claim, as common table expressions to put in a statement: `due` is the time, `limit` how
 * many tasks, `worker` the lease holder, `skip` runs whose tasks it must leave (those the same
 * statement writes). It touches only the task rows (the attempt's TaskStarted is appended later,
 * see RunTx.logStart). Ends in `claimed`: one row per leased task with its run as the statement
 * read it, and the run's open tasks (those it leased as they were before).
 */
const claimCtes = (due: string, limit: string, worker: string, skip: string) => `
    picked AS (
      SELECT id FROM petrel_ready_tasks(${due}, ${limit}, ${skip}) AS id
    ), leased AS (
      UPDATE tasks SET status = 'leased', lease_owner = ${worker}, attempt = tasks.attempt + 1,
        lease_expires_at = ${due} + tasks.lease_ms * interval '1 millisecond', leased_at = ${due}, start_logged = false
      WHERE tasks.id = ANY (ARRAY(SELECT id FROM picked))
      RETURNING tasks.id, tasks.run_id, tasks.node_id, tasks.kind, tasks.attempt, tasks.lease_expires_at, tasks.leased_at
    ), claimed AS (
      SELECT l.id, l.run_id, l.node_id, l.kind, l.attempt, l.lease_expires_at, l.leased_at, r.variables, r.version_id, r.status AS run_status, r.marking,
        r.parent_run_id, r.parent_task_id, r.last_seq AS run_seq,
        COALESCE((SELECT json_agg(t ORDER BY t.created_at, t.id) FROM tasks t WHERE t.run_id = l.run_id AND t.status IN ${OPEN_SQL}), '[]') AS open
      FROM leased l JOIN runs r ON r.id = l.run_id
    )`;

/** The claimed rows come back as one JSON array (one parse for the batch instead of one per column and row). */
const CLAIM_SQL = `WITH ${claimCtes("$1::timestamptz", "$2::int", "$3::text", "'{}'::uuid[]")}
    SELECT json_agg(c) AS claimed FROM claimed c`;

type ClaimedRow = { id: string; run_id: string; node_id: string; kind: string; attempt: number; lease_expires_at: Date | string; leased_at: Date | string; variables: Record<string, unknown>; version_id: string; run_status: RunStatus; marking: number[]; parent_run_id: string | null; parent_task_id: string | null; run_seq: number; open: Array<Record<string, unknown>> };

/** Claimed rows as the worker takes them, each with the snapshot of its run. */
async function toClaimed(deps: EngineDeps, worker: string, rows: ClaimedRow[]): Promise<ClaimedTask[]> {
  const claimed: ClaimedTask[] = [];
  // The open tasks were read as the statement began: the tasks it leased show as they were before.
  const leased = new Map(rows.map((r) => [r.id, r]));
  for (const r of rows) {
    const v = await loadVersion(deps.prisma, r.version_id);
    const snapshot: RunSnapshot = {
      id: r.run_id,
      version_id: r.version_id,
      status: r.run_status,
      marking: r.marking,
      variables: r.variables,
      parent_run_id: r.parent_run_id,
      parent_task_id: r.parent_task_id,
      last_seq: Number(r.run_seq),
      open: r.open.map((t) => {
        const l = leased.get(t.id as string);
        return l ? { ...t, status: "leased", lease_owner: worker, attempt: l.attempt, lease_expires_at: l.lease_expires_at, leased_at: l.leased_at, start_logged: false } : t;
      }),
    };
    claimed.push({ id: r.id, runId: r.run_id, nodeId: r.node_id, kind: r.kind as TaskKind, attempt: Number(r.attempt), leaseExpiresAt: new Date(r.lease_expires_at), node: v.nodes.get(r.node_id)!, variables: r.variables, snapshot });
  }
  return claimed;
}

/**
 * Claims up to `limit` due tasks for `worker` in ONE statement: SKIP LOCKED lets many workers
 * claim at once without blocking each other or taking the same task (graphile-worker's getJobs is
 * the model); tasks of paused runs are skipped (compensations of finished runs are not). The same
 * statement leases the tasks for their node's lease and reads their runs; it writes nothing else
 * (no run row, no history: see RunTx.logStart), so a claim costs what a job queue's claim costs.
 */
export async function claimTasks(deps: EngineDeps, worker: string, limit: number): Promise<ClaimedTask[]> {
  const [row] = await fastQuery(deps.prisma)<{ claimed: ClaimedRow[] | null }>("petrel_claim", CLAIM_SQL, [deps.now(), limit, worker]);
  const rows = row?.claimed ?? [];
  notifyCommitted(deps, undefined, rows.map((r) => r.run_id));
  return toClaimed(deps, worker, rows);
}

type LeaseCheck = { taskId: string; worker: string; attempt: number; /** Saves a look-up when known. */ runId?: string };

/** Locks the run, then checks that `worker` still holds the lease of this attempt. */
async function leasedTask(tx: Tx, deps: EngineDeps, c: LeaseCheck): Promise<{ rt: RunTx; task: TaskRow } | null> {
  const runId = c.runId ?? (await tx.task.findUnique({ where: { id: c.taskId }, select: { runId: true } }))?.runId;
  if (!runId) return null;
  const rt = await openRun(tx, deps, runId);
  const task = rt.task(c.taskId);
  const now = deps.now();
  if (!task || task.runId !== runId || !holdsLease(task, c, now)) return null;
  return { rt, task };
}

/** Whether `c.worker` still holds the unexpired lease of this attempt of `task`. */
function holdsLease(task: TaskRow, c: LeaseCheck, now: Date): boolean {
  return task.status === "leased" && task.leaseOwner === c.worker && task.attempt === c.attempt && !!task.leaseExpiresAt && task.leaseExpiresAt > now;
}

/** A finished attempt, played on its (locked or optimistically read) run: the token game goes on. */
async function finishTask(rt: RunTx, task: TaskRow, output: unknown): Promise<void> {
  const ok = await completeInRun(rt, task, output, task.kind === "timer" ? "TimerFired" : "TaskCompleted");
  if (!ok) await withdrawTasks(rt, [task], "its token was taken by another event");
  await advance(rt);
  await settleChildren(rt);
}

/** Completes an attempt in ONE transaction. False when the lease was lost (the result is dropped). */
export async function completeTask(deps: EngineDeps, c: LeaseCheck & { output: unknown }): Promise<boolean> {
  return engineTx(deps, async (tx) => {
    const held = await leasedTask(tx, deps, c);
    if (!held) return false;
    const { rt, task } = held;
    await finishTask(rt, task, c.output);
    return true;
  });
}

export type Completion = LeaseCheck & { output: unknown; runId: string; /** The run as the claim left it (ClaimedTask.snapshot). */ snapshot?: RunSnapshot };

/** Thrown by the stand-in transaction of an optimistic completion when it would need the database. */
class NeedsLock extends Error {}

/** A stand-in for a transaction that refuses every use: the optimistic path must not touch the database. */
function noDatabase(): Tx {
  return new Proxy({} as Tx, {
    get(_, prop) {
      if (prop === "then") return undefined;
      throw new NeedsLock(`an optimistic completion needed the database (${String(prop)})`);
    },
  });
}

/**
 * The workers' hot path: completes attempts in TWO statements and no transaction. One statement
 * reads the runs with their open tasks; the token game is played in memory; one statement writes
 * every run whose sequence number has not moved since the read (a run that changed in between,
 * or a completion that needs more than its own run — a signal inbox, a sub-workflow, a
 * compensation — goes through the locking path instead). Returns, per completion, whether its
 * lease still held.
 */
const READ_RUNS_SQL = `
    SELECT r.id, r.version_id, r.status, r.marking, r.variables, r.parent_run_id, r.parent_task_id, r.last_seq,
      COALESCE((SELECT json_agg(t ORDER BY t.created_at, t.id) FROM tasks t WHERE t.run_id = r.id AND t.status IN ${OPEN_SQL}), '[]') AS open
    FROM runs r WHERE r.id = ANY ($1::uuid[])`;

export async function completeTasks(deps: EngineDeps, items: Completion[], testing?: { afterRead?: () => Promise<void> }): Promise<boolean[]> {
  return (await completeAndClaim(deps, items, null, testing)).results;
}

/**
 * A worker's offer to take up to `limit` more tasks with its completions. `queue: false`: only the
 * steps the completions enable in their own runs (eager start), none from the queue — the worker's
 * loop claims from the queue meanwhile, on another connection. `onLeased(n)`: told, before the
 * write is sent, how many of the offered slots the eager start took; the rest are free again.
 */
export type ClaimOffer = { worker: string; limit: number; queue?: boolean; onLeased?: (n: number) => void };

/**
 * Completes attempts (see completeTasks) and, in the same statement, takes up to `offer.limit`
 * new tasks for the worker: first the steps the completions just enabled in their own runs
 * (leased at once — the next step of a sequence runs where the last one did, without a trip
 * through the queue), then due tasks of other runs from the queue.
 */
export async function completeAndClaim(deps: EngineDeps, items: Completion[], offer: ClaimOffer | null, testing?: { afterRead?: () => Promise<void> }): Promise<{ results: boolean[]; claimed: ClaimedTask[] }> {
  const now = deps.now();
  const run = fastQuery(deps.prisma);
  // A run whose completions all carry the same claim snapshot is not read again; if it moved since
  // the claim, the write below is refused and those completions go round once more with a fresh read.
  const snapshots = new Map<string, RunSnapshot | null>();
  for (const c of items) {
    const known = snapshots.get(c.runId);
    if (known === undefined) snapshots.set(c.runId, c.snapshot ?? null);
    else if (known && (!c.snapshot || c.snapshot.last_seq !== known.last_seq)) snapshots.set(c.runId, null);
  }
  const toRead = [...snapshots].filter(([, snap]) => !snap).map(([id]) => id);
  const rows: RunSnapshot[] = [...snapshots.values()].filter((snap): snap is RunSnapshot => !!snap);
  if (toRead.length) rows.push(...(await run<RunSnapshot>("petrel_read_runs", READ_RUNS_SQL, [uuidArray(toRead)])));
  const byRun = new Map<string, RunTx>();
  for (const r of rows) {
    const v = await loadVersion(deps.prisma, r.version_id);
    const tx = noDatabase();
    const run: RunRow = { id: r.id, versionId: r.version_id, status: r.status, marking: r.marking, variables: r.variables, parentRunId: r.parent_run_id, parentTaskId: r.parent_task_id };
    const rt = new RunTx(tx, deps, run, v, r.open.map(taskFromJson));
    rt.expectedSeq = Number(r.last_seq);
    heldBy(tx).set(r.id, rt);
    byRun.set(r.id, rt);
  }
  const results: Array<boolean | undefined> = items.map(() => undefined);
  const locked = new Set<string>(); // runs that need the locking path
  const reread = new Set<string>(); // claim snapshots that no longer tell (a heartbeat moved the lease, say)
  for (const [i, c] of items.entries()) {
    const rt = byRun.get(c.runId);
    if (!rt || locked.has(c.runId) || reread.has(c.runId)) continue;
    const task = rt.task(c.taskId);
    if (!task || !holdsLease(task, c, now)) {
      if (snapshots.get(c.runId)) reread.add(c.runId);
      else results[i] = false;
      continue;
    }
    try {
      await finishTask(rt, task, c.output);
      if (rt.finishedChildren.length) throw new NeedsLock("a child run finished");
      results[i] = true;
    } catch (error) {
      if (!(error instanceof NeedsLock)) throw error;
      locked.add(c.runId);
    }
  }
  await testing?.afterRead?.();
  const writable = [...byRun.values()].filter((rt) => !locked.has(rt.run.id) && !reread.has(rt.run.id));
  const eager = offer ? leaseEnabledSteps(writable, offer) : [];
  offer?.onLeased?.(eager.length);
  const fromQueue = offer && offer.queue !== false ? offer.limit - eager.length : 0;
  const flushed = await flushAndClaim(deps, writable, now, offer ? { worker: offer.worker, limit: fromQueue, skip: [...byRun.keys()] } : null);
  const applied = flushed.applied;
  const claimed = [...eager.filter((e) => applied.has(e.runId)), ...(await toClaimed(deps, offer?.worker ?? "", flushed.claimed))];
  const stale = items.map((c, i) => ({ c, i })).filter(({ c, i }) => !locked.has(c.runId) && (reread.has(c.runId) || (snapshots.get(c.runId) && results[i] === true && !applied.has(c.runId))));
  if (stale.length) {
    const again = await completeTasks(deps, stale.map(({ c }) => ({ ...c, snapshot: undefined })));
    stale.forEach(({ i }, k) => (results[i] = again[k]!));
  }
  const retry = items.map((c, i) => ({ c, i })).filter(({ c, i }) => byRun.has(c.runId) && (locked.has(c.runId) || (!snapshots.get(c.runId) && results[i] === true && !applied.has(c.runId))));
  if (retry.length) {
    const again = await completeTasksLocked(deps, retry.map(({ c }) => c));
    retry.forEach(({ i }, k) => (results[i] = again[k]!));
  }
  // A run that is gone: its task is gone with it.
  return { results: results.map((r) => r ?? false), claimed };
}

/**
 * Eager start: steps that completions just enabled in their own (running) runs are leased to the
 * offering worker inside the same write, up to its offer (their TaskStarted is appended later, as
 * for any claim). Returns them as claimed tasks, each with the run's state as the write leaves it.
 */
function leaseEnabledSteps(rts: RunTx[], offer: ClaimOffer): ClaimedTask[] {
  const out: ClaimedTask[] = [];
  const touched: RunTx[] = [];
  for (const rt of rts) {
    if (rt.state.status !== "running") continue;
    for (const t of rt.newTasks()) {
      if (out.length >= offer.limit) break;
      if (t.kind !== "activity" || t.status !== "ready" || t.runAt > rt.now) continue;
      const attempt = t.attempt + 1;
      const leaseExpiresAt = new Date(rt.now.getTime() + t.leaseMs);
      rt.updateTask(t.id, { status: "leased", attempt, leaseOwner: offer.worker, leaseExpiresAt, leasedAt: rt.now, startLogged: false });
      out.push({ id: t.id, runId: rt.run.id, nodeId: t.nodeId, kind: "activity", attempt, leaseExpiresAt, node: rt.v.nodes.get(t.nodeId)!, variables: rt.state.variables, snapshot: undefined });
      if (!touched.includes(rt)) touched.push(rt);
    }
  }
  // The snapshot each claimed step carries: its run as the write will leave it (if it applies).
  for (const rt of touched) {
    const snapshot: RunSnapshot = {
      id: rt.run.id,
      version_id: rt.run.versionId,
      status: rt.state.status,
      marking: [...rt.state.marking],
      variables: rt.state.variables,
      parent_run_id: rt.run.parentRunId,
      parent_task_id: rt.run.parentTaskId,
      last_seq: (rt.expectedSeq ?? 0) + rt.events.length,
      open: rt.openTasks().map(taskToJson),
    };
    for (const c of out) if (c.runId === rt.run.id) c.snapshot = snapshot;
  }
  return out;
}

/**
 * Completes many attempts in ONE transaction: their runs are locked together (in id order), each
 * completion is checked against its lease and played on its run in memory, and everything is
 * written by one statement at the end. Returns, per completion, whether its lease still held.
 * Throws when any of them fails; the caller then completes them one by one.
 */
async function completeTasksLocked(deps: EngineDeps, items: Completion[]): Promise<boolean[]> {
  return engineTx(deps, async (tx) => {
    await lockRuns(tx, deps, items.map((c) => c.runId));
    const results: boolean[] = [];
    for (const c of items) {
      const held = await leasedTask(tx, deps, c);
      if (!held) {
        results.push(false);
        continue;
      }
      const { rt, task } = held;
      await finishTask(rt, task, c.output);
      results.push(true);
    }
    return results;
  });
}

/** Records a failed attempt: a retry after backoff, or the final failure. False when the lease was lost. */
export async function failTask(deps: EngineDeps, c: LeaseCheck & { failure: Failure }): Promise<boolean> {
  return engineTx(deps, async (tx) => {
    const held = await leasedTask(tx, deps, c);
    if (!held) return false;
    const { rt, task } = held;
    await retryOrFail(rt, task, c.failure, c.attempt);
    await advance(rt);
    await settleChildren(rt);
    return true;
  });
}

async function retryOrFail(rt: RunTx, task: TaskRow, failure: Failure, attempt: number): Promise<void> {
  const node = rt.v.nodes.get(task.nodeId)!;
  const policy = retryPolicyOf(node.retry);
  const runAt = new Date(rt.now.getTime() + backoffMs(policy, attempt + 1));
  const withinDeadline = !task.scheduleDeadline || runAt < task.scheduleDeadline;
  if (shouldRetry(policy, failure, attempt) && withinDeadline) {
    rt.updateTask(task.id, { status: "ready", runAt, leaseOwner: null, leaseExpiresAt: null, lastError: failure });
    rt.emit({ type: "TaskFailed", nodeId: task.nodeId, taskId: task.id, attempt, failure, final: false });
    rt.emit({ type: "RetryScheduled", nodeId: task.nodeId, taskId: task.id, attempt, runAt: runAt.toISOString() });
    return;
  }
  const final = withinDeadline ? failure : { type: "ScheduleToCloseTimeout", message: `Not done within its schedule-to-close timeout (last failure: ${failure.message})`, nonRetryable: true };
  await failInRun(rt, task, final, attempt);
}

/** Gives a lease back (the worker is stopping): the task returns to the queue at once. */
export async function releaseTask(deps: EngineDeps, c: LeaseCheck): Promise<boolean> {
  return engineTx(deps, async (tx) => {
    const held = await leasedTask(tx, deps, c);
    if (!held) return false;
    const { rt, task } = held;
    rt.updateTask(task.id, { status: "ready", runAt: rt.now, leaseOwner: null, leaseExpiresAt: null });
    rt.emit({ type: "TaskLeaseExpired", nodeId: task.nodeId, taskId: task.id, attempt: task.attempt });
    await rt.flush();
    return true;
  });
}

/** Extends the lease (by the heartbeat timeout) and records the progress. False when the lease was lost. */
export async function heartbeatTask(deps: EngineDeps, c: LeaseCheck & { details: unknown }): Promise<boolean> {
  return engineTx(deps, async (tx) => {
    const held = await leasedTask(tx, deps, c);
    if (!held) return false;
    const { rt, task } = held;
    const node = rt.v.nodes.get(task.nodeId)!;
    const leaseExpiresAt = new Date(rt.now.getTime() + leaseMs(timeoutsOf(node.timeouts)));
    rt.updateTask(task.id, { leaseExpiresAt, heartbeat: c.details ?? null });
    rt.emit({ type: "TaskHeartbeat", nodeId: task.nodeId, taskId: task.id, attempt: task.attempt, details: c.details ?? null });
    await rt.flush();
    return true;
  });
}

/**
 * Returns expired leases to the queue (the worker crashed or timed out) and records it; a task
 * out of attempts (or past its schedule-to-close deadline) fails instead.
 */
export async function reapExpiredLeases(deps: EngineDeps, limit = 50): Promise<number> {
  const now = deps.now();
  const expired = await deps.prisma.task.findMany({ where: { status: "leased", leaseExpiresAt: { lte: now } }, select: { id: true }, take: limit });
  let reaped = 0;
  for (const { id } of expired) {
    const done = await engineTx(deps, async (tx) => {
      const first = await tx.task.findUnique({ where: { id }, select: { runId: true } });
      if (!first) return false;
      const rt = await openRun(tx, deps, first.runId);
      const task = rt.task(id);
      if (!task || task.status !== "leased" || !task.leaseExpiresAt || task.leaseExpiresAt > rt.now) return false;
      rt.emit({ type: "TaskLeaseExpired", nodeId: task.nodeId, taskId: task.id, attempt: task.attempt });
      rt.updateTask(id, { status: "ready", runAt: rt.now, leaseOwner: null, leaseExpiresAt: null });
      const node = rt.v.nodes.get(task.nodeId)!;
      const timeout: Failure = { type: "StartToCloseTimeout", message: `The attempt did not finish or heartbeat in time (lease of ${leaseMs(timeoutsOf(node.timeouts))} ms).`, nonRetryable: false };
      const policy = retryPolicyOf(node.retry);
      if (!shouldRetry(policy, timeout, task.attempt) || (task.scheduleDeadline && task.scheduleDeadline <= rt.now)) {
        await failInRun(rt, { ...task, status: "ready" }, timeout, task.attempt);
        await advance(rt);
      }
      await settleChildren(rt);
        return true;
    });
    if (done) reaped++;
  }
  return reaped;
}

// ---------------------------------------------------------------------------------------------
// Signals, cancellation, pause and resume, queries

async function deliverSignal(rt: RunTx, task: TaskRow, signal: { id: string; name: string; payload: unknown }): Promise<boolean> {
  const node = rt.v.nodes.get(task.nodeId)!;
  const t = rt.v.net.transitions[task.transition]!;
  const held = task.places;
  if (task.consumeOnFire && !held.every((p) => (rt.state.marking[p] ?? 0) > 0)) return false;
  const payload = (signal.payload ?? {}) as Record<string, unknown>;
  const set: Record<string, unknown> = {};
  for (const name of node.outputs ?? []) set[name] = node.kind === "approval" && name === "approved" ? payload.decision === "approve" : (payload[name] ?? null);
  rt.updateTask(task.id, { status: "done" });
  await rt.tx.signal.update({ where: { id: signal.id }, data: { consumedAt: rt.now, taskId: task.id } });
  rt.emit({ type: "SignalReceived", nodeId: node.id, taskId: task.id, signalId: signal.id, name: signal.name, payload: signal.payload ?? null, transition: task.transition, consumed: task.consumeOnFire ? held : [], produced: places(t.outputs), ...(t.resets?.length ? { resets: t.resets } : {}), set });
  if (task.consumeOnFire) {
    const rivals = rt.openTasks().filter((o) => o.consumeOnFire && o.places.some((p) => held.includes(p)));
    await withdrawTasks(rt, rivals, `"${node.label ?? node.id}" happened first`);
  }
  if (t.resets?.length) await withdrawHolding(rt, new Set(t.resets), "cancelled by a cancel region or a terminate end");
  return true;
}

/**
 * Delivers a signal to a run through its inbox: a waiting node that listens for `name` takes it
 * at once; otherwise it waits in the inbox for such a node. Unknown runs and names that no node
 * of the run's version listens for are refused.
 */
export async function signalRun(deps: EngineDeps, args: { runId: string; name: string; payload: Record<string, unknown> }, hook?: InTxHook): Promise<{ delivered: boolean; signalId: string }> {
  return engineTx(deps, async (tx) => {
    const rt = await openRun(tx, deps, args.runId);
    if (rt.state.status !== "running" && rt.state.status !== "paused") throw new AppError("CONFLICT", { message: `Run ${args.runId} is ${rt.state.status}; it takes no more signals.` });
    const listeners = [...rt.v.nodes.values()].filter((n) => signalNameOf(n) === args.name);
    if (!listeners.length) {
      const known = [...rt.v.nodes.values()].map(signalNameOf).filter(Boolean);
      throw new AppError("INVALID_INPUT", { message: `No step of this run waits for the signal "${args.name}"${known.length ? `; it waits for: ${known.join(", ")}` : "; it waits for no signal"}.`, details: { fields: [{ path: "name", message: "is not a signal this run waits for" }] } });
    }
    const signal = await tx.signal.create({ data: { runId: args.runId, name: args.name, payload: args.payload as object, receivedAt: rt.now } });
    const open = rt.openTasks();
    const listenerIds = new Set(listeners.map((n) => n.id));
    let delivered = false;
    for (const task of open.filter((t) => t.status === "waiting" && listenerIds.has(t.nodeId))) {
      if (await deliverSignal(rt, task, signal)) {
        delivered = true;
        break;
      }
    }
    if (delivered) await advance(rt);
    await rt.flush();
    await settleChildren(rt);
    await hook?.(tx, args.runId);
    return { delivered, signalId: signal.id };
  });
}

async function cancelInTx(tx: Tx, deps: EngineDeps, runId: string, reason: string): Promise<boolean> {
  const rt = await openRun(tx, deps, runId);
  if (rt.state.status !== "running" && rt.state.status !== "paused") return false;
  await withdrawTasks(rt, rt.openTasks(), "the run was cancelled");
  rt.emit({ type: "RunCancelled", reason });
  await scheduleNextCompensation(rt);
  await rt.flush();
  return true;
}

/** Cancels a run: open work withdrawn (running plugins are aborted), child runs cancelled too. */
export async function cancelRun(deps: EngineDeps, runId: string, reason: string, hook?: InTxHook): Promise<void> {
  await engineTx(deps, async (tx) => {
    const { run, state } = await openRun(tx, deps, runId);
    if (state.status !== "running" && run.status !== "paused") throw new AppError("CONFLICT", { message: `Run ${runId} is already ${state.status}.` });
    await cancelInTx(tx, deps, runId, reason);
    if (run.parentRunId && run.parentTaskId) {
      const parent = await openRun(tx, deps, run.parentRunId);
      const task = parent.task(run.parentTaskId);
      if (task && task.status === "waiting") {
        await failInRun(parent, task, { type: "ChildRunCancelled", message: `The sub-workflow run ${runId} was cancelled.`, nonRetryable: true }, task.attempt);
        await advance(parent);
        await parent.flush();
      }
    }
    await hook?.(tx, runId);
  });
}

export async function pauseRun(deps: EngineDeps, runId: string, reason?: string, hook?: InTxHook): Promise<void> {
  await engineTx(deps, async (tx) => {
    const rt = await openRun(tx, deps, runId);
    if (rt.state.status !== "running") throw new AppError("CONFLICT", { message: `Run ${runId} is ${rt.state.status}; only a running run can be paused.` });
    rt.emit({ type: "RunPaused", ...(reason ? { reason } : {}) });
    await rt.flush();
    await hook?.(tx, runId);
  });
}

export async function resumeRun(deps: EngineDeps, runId: string, hook?: InTxHook): Promise<void> {
  await engineTx(deps, async (tx) => {
    const rt = await openRun(tx, deps, runId);
    if (rt.state.status !== "paused") throw new AppError("CONFLICT", { message: `Run ${runId} is ${rt.state.status}; only a paused run can be resumed.` });
    rt.emit({ type: "RunResumed" });
    await advance(rt);
    await settleChildren(rt);
    await hook?.(tx, runId);
  });
}

/**
 * "Retry" of a failed run: the run goes on from where it failed. The failed step is scheduled again
 * (attempts start over), and so is the work withdrawn because of the failure. Refused once a
 * compensation has run (completed steps were already undone: re-run instead).
 */
export async function reopenRun(deps: EngineDeps, runId: string, reason: string, hook?: InTxHook): Promise<{ nodeIds: string[] }> {
  return engineTx(deps, async (tx) => {
    const rt = await openRun(tx, deps, runId);
    if (rt.state.status !== "failed") throw new AppError("CONFLICT", { message: `Run ${runId} is ${rt.state.status}; only a failed run can be retried.` });
    const history = await readEvents(tx, runId);
    if (history.some((e) => e.type === "NodeScheduled" && e.kind === "compensation")) {
      throw new AppError("CONFLICT", { message: "Compensation has already undone this run's completed steps, so it cannot go on; re-run it from a step instead." });
    }
    const lastFailed = history.map((e) => e.type).lastIndexOf("RunFailed");
    const failedAt = history.slice(0, lastFailed).reverse().find((e): e is Extract<EngineEvent, { type: "TaskFailed" }> => e.type === "TaskFailed" && e.final);
    if (!failedAt) throw new AppError("CONFLICT", { message: `Run ${runId} did not fail at a step (it timed out or got stuck), so there is nothing to retry; re-run it from a step instead.` });
    const scheduled = new Map(history.filter((e): e is Extract<EngineEvent, { type: "NodeScheduled" }> => e.type === "NodeScheduled").map((e) => [e.taskId, e]));
    const withdrawn = history.slice(history.indexOf(failedAt)).flatMap((e) => (e.type === "TasksWithdrawn" && e.reason === "the run failed" ? e.taskIds : []));
    const produced: number[] = [];
    const nodeIds: string[] = [];
    for (const taskId of [failedAt.taskId, ...withdrawn]) {
      const s = scheduled.get(taskId);
      if (!s) continue;
      nodeIds.push(s.nodeId);
      if (!s.consumeOnFire) produced.push(...s.consumed);
    }
    rt.emit({ type: "RunReopened", reason, produced });
    await advance(rt);
    await settleChildren(rt);
    await hook?.(tx, runId);
    return { nodeIds };
  });
}

/**
 * The state a re-run from `nodeId` starts with: the run's marking and variables just before the
 * step was (last) scheduled, with the tokens of work that was pending then given back (so that it
 * is scheduled again), mapped onto `target`'s net by place id.
 */
export async function rerunState(prisma: PrismaClient, runId: string, nodeId: string, target: LoadedVersion): Promise<{ marking: number[]; variables: Record<string, unknown> }> {
  const run = await prisma.run.findUnique({ where: { id: runId }, select: { versionId: true } });
  if (!run) throw new AppError("NOT_FOUND", { message: `There is no run ${runId}.` });
  const source = await loadVersion(prisma, run.versionId);
  const history = await readEvents(prisma, runId);
  const at = history.map((e) => (e.type === "NodeScheduled" && e.nodeId === nodeId ? 1 : 0)).lastIndexOf(1);
  if (at < 0) {
    const label = source.nodes.get(nodeId)?.label ?? nodeId;
    throw new AppError("INVALID_INPUT", { message: `Run ${runId} never reached "${label}", so it cannot be re-run from there.`, details: { fields: [{ path: "nodeId", message: "was never reached in this run" }] } });
  }
  const before = history.slice(0, at);
  const state = fold(before);
  for (const e of before) {
    if (e.type !== "NodeScheduled" || e.consumeOnFire) continue;
    const t = state.tasks[e.taskId];
    if (t && (t.status === "ready" || t.status === "leased" || t.status === "waiting")) for (const p of e.consumed) state.marking[p] = (state.marking[p] ?? 0) + 1;
  }
  const index = new Map(target.net.places.map((p, i) => [p.id, i]));
  const marking = new Array<number>(target.net.places.length).fill(0);
  state.marking.forEach((n, p) => {
    if (!n) return;
    const placeId = source.net.places[p]!.id;
    const i = index.get(placeId);
    if (i === undefined) throw new AppError("CONFLICT", { message: `Version ${target.version} no longer has the place "${source.net.places[p]!.label}" where the run stood; re-run on version ${source.version} instead.` });
    marking[i] = n;
  });
  return { marking, variables: state.variables };
}

/** Fails running runs past their run timeout. */
export async function expireRuns(deps: EngineDeps, limit = 50): Promise<number> {
  const now = deps.now();
  const due = await deps.prisma.run.findMany({ where: { status: { in: ["running", "paused"] }, deadline: { lte: now } }, select: { id: true }, take: limit });
  for (const { id } of due) {
    await engineTx(deps, async (tx) => {
      const rt = await openRun(tx, deps, id);
      if (rt.state.status !== "running" && rt.state.status !== "paused") return;
      await failRun(rt, { type: "RunTimeout", message: "The run did not finish within its run timeout.", nonRetryable: true });
      await rt.flush();
    });
  }
  return due.length;
}

/** What a running run is doing: marking (by place), variables, pending nodes. */
export async function queryRun(deps: EngineDeps, runId: string) {
  const run = await deps.prisma.run.findUnique({ where: { id: runId } });
  if (!run) throw new AppError("NOT_FOUND", { message: `There is no run ${runId}.` });
  const v = await loadVersion(deps.prisma, run.versionId);
  const marking = run.marking as number[];
  const tasks = await deps.prisma.task.findMany({ where: { runId, status: { in: [...OPEN] } }, orderBy: { createdAt: "asc" } });
  return {
    id: run.id,
    status: run.status,
    variables: run.variables as Record<string, unknown>,
    marking: marking.flatMap((n, p) => (n > 0 ? [{ place: v.net.places[p]!.id, label: v.net.places[p]!.label, edgeId: v.net.places[p]!.origin.edgeId ?? null, nodeId: v.net.places[p]!.origin.nodeId ?? null, tokens: n }] : [])),
    pending: tasks.map((t) => ({ taskId: t.id, nodeId: t.nodeId, kind: t.kind, status: t.status, attempt: t.attempt, runAt: t.runAt })),
  };
}

/** Folds a run's history and compares it with the stored state (`petrel replay RUN_ID`). */
export async function replayRun(prisma: PrismaClient, runId: string): Promise<{ ok: boolean; events: number; differences: string[] }> {
  const run = await prisma.run.findUnique({ where: { id: runId } });
  if (!run) throw new AppError("NOT_FOUND", { message: `There is no run ${runId}.` });
  const rows = await readHistory(prisma, runId);
  const differences: string[] = [];
  rows.forEach((r, i) => {
    if (r.seq !== i + 1) differences.push(`event ${i + 1} has sequence number ${r.seq} (a gap or a duplicate)`);
  });
  if (rows.length !== run.lastSeq) differences.push(`the run says it has ${run.lastSeq} events; history holds ${rows.length}`);
  const folded = fold(rows.map((r) => r.payload));
  if (folded.status !== run.status) differences.push(`status: history says ${folded.status}, stored ${run.status}`);
  if (JSON.stringify(folded.marking) !== JSON.stringify(run.marking)) differences.push(`marking: history says ${JSON.stringify(folded.marking)}, stored ${JSON.stringify(run.marking)}`);
  if (JSON.stringify(sortKeys(folded.variables)) !== JSON.stringify(sortKeys(run.variables))) differences.push("variables differ between history and the stored run");
  const tasks = await prisma.task.findMany({ where: { runId } });
  for (const t of tasks) {
    const f = folded.tasks[t.id];
    // A leased attempt whose TaskStarted is not appended yet shows in history as still queued.
    const stored = t.status === "leased" && !t.startLogged ? { status: "ready", attempt: t.attempt - 1 } : t;
    if (!f) differences.push(`task ${t.id} (${t.nodeId}) is not in history`);
    else if (f.status !== stored.status || f.attempt !== stored.attempt) differences.push(`task ${t.id} (${t.nodeId}): history says ${f.status}/attempt ${f.attempt}, stored ${t.status}/attempt ${t.attempt}`);
  }
  // The table holds a run's open tasks only: a task leaves it when it closes (done, failed, withdrawn).
  for (const [id, f] of Object.entries(folded.tasks)) {
    if (!OPEN.includes(f.status) || tasks.some((t) => t.id === id)) continue;
    differences.push(`task ${id} is open in history (${f.status}) but not stored`);
  }
  return { ok: differences.length === 0, events: rows.length, differences };
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}
