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
import type { PrismaClient, Tx } from "../db/database";
import { evaluateExpression } from "../nodes/expressions";
import type { ServiceDeps } from "../services/deps";
import { applyEvent, fold, type EngineEvent, type Failure, type FoldedRun, type RunStatus, type TaskKind } from "./events";
import { backoffMs, leaseMs, retryPolicyOf, shouldRetry, timeoutsOf } from "./policy";
import { loadVersion, type LoadedVersion } from "./version-cache";

export type EngineDeps = ServiceDeps;

export const TASKS_CHANNEL = "petrel_tasks";
export const RUNS_CHANNEL = "petrel_runs";

type RunRow = { id: string; versionId: string; status: RunStatus; marking: number[]; variables: Record<string, unknown>; parentRunId: string | null; parentTaskId: string | null };
type TaskRow = Awaited<ReturnType<Tx["task"]["findFirstOrThrow"]>>;
const OPEN = ["ready", "leased", "waiting"] as const;

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

/** Inserts events numbered up to `last` (the run's sequence, already advanced by the caller). */
async function insertEvents(tx: Tx, runId: string, last: number, events: EngineEvent[], at: Date): Promise<void> {
  await tx.runEvent.createMany({
    data: events.map((e, i) => ({
      runId,
      seq: last - events.length + 1 + i,
      type: e.type,
      nodeId: "nodeId" in e ? (e.nodeId ?? null) : null,
      taskId: "taskId" in e ? e.taskId : null,
      attempt: "attempt" in e ? e.attempt : null,
      payload: JSON.parse(JSON.stringify(e)) as object,
      at,
    })),
  });
}

/** One run inside one transaction: local state, events to append, and the version's net. */
class RunTx {
  readonly events: EngineEvent[] = [];
  readonly state: FoldedRun;
  readonly now: Date;
  private open: TaskRow[] | null = null;
  /** Child runs finished inside this transaction, to complete their parent tasks. */
  readonly finishedChildren: Array<{ taskId: string; ok: boolean; variables: Record<string, unknown>; failure?: Failure }> = [];

  constructor(
    readonly tx: Tx,
    readonly deps: EngineDeps,
    readonly run: RunRow,
    readonly v: LoadedVersion,
  ) {
    this.state = { status: run.status, marking: [...run.marking], variables: { ...run.variables }, tasks: {} };
    this.now = deps.now();
  }

  emit(e: EngineEvent): void {
    this.events.push(e);
    applyEvent(this.state, e);
  }

  async openTasks(): Promise<TaskRow[]> {
    this.open ??= await this.tx.task.findMany({ where: { runId: this.run.id, status: { in: [...OPEN] } }, orderBy: { createdAt: "asc" } });
    return this.open;
  }

  invalidate(): void {
    this.open = null;
  }

  /** Writes the run's new state and its events: one UPDATE (which also takes the sequence numbers) and one INSERT. */
  async flush(): Promise<void> {
    if (!this.events.length) return;
    const n = this.events.length;
    const terminal = ["completed", "failed", "cancelled"].includes(this.state.status);
    const failed = [...this.events].reverse().find((e) => e.type === "RunFailed");
    const error = failed && failed.type === "RunFailed" ? JSON.stringify(failed.failure) : null;
    const rows = await this.tx.$queryRaw<{ last_seq: number }[]>`
      UPDATE runs SET last_seq = last_seq + ${n}, updated_at = ${this.now},
        status = ${this.state.status}::"RunStatus",
        marking = ${JSON.stringify(this.state.marking)}::jsonb,
        variables = ${JSON.stringify(this.state.variables)}::jsonb,
        completed_at = CASE WHEN ${terminal} THEN ${this.now}::timestamptz ELSE completed_at END,
        error = COALESCE(${error}::jsonb, error)
      WHERE id = ${this.run.id}::uuid RETURNING last_seq`;
    await insertEvents(this.tx, this.run.id, Number(rows[0]!.last_seq), this.events, this.now);
    this.events.length = 0;
  }
}

async function lockRun(tx: Tx, runId: string): Promise<RunRow> {
  const rows = await tx.$queryRaw<Array<{ id: string; version_id: string; status: RunStatus; marking: number[]; variables: Record<string, unknown>; parent_run_id: string | null; parent_task_id: string | null }>>`
    SELECT id, version_id, status, marking, variables, parent_run_id, parent_task_id FROM runs WHERE id = ${runId}::uuid FOR UPDATE`;
  const r = rows[0];
  if (!r) throw new AppError("NOT_FOUND", { message: `There is no run ${runId}.` });
  return { id: r.id, versionId: r.version_id, status: r.status, marking: r.marking, variables: r.variables, parentRunId: r.parent_run_id, parentTaskId: r.parent_task_id };
}

async function openRun(tx: Tx, deps: EngineDeps, runId: string): Promise<RunTx> {
  const run = await lockRun(tx, runId);
  const v = await loadVersion(tx, run.versionId);
  return new RunTx(tx, deps, run, v);
}

const places = (arcs: Transition["inputs"]) => arcs.flatMap((a) => Array<number>(a.weight).fill(a.place));

async function notifyTasks(tx: Tx): Promise<void> {
  await tx.$executeRaw`SELECT pg_notify(${TASKS_CHANNEL}, '')`;
}

// ---------------------------------------------------------------------------------------------
// Starting runs

export type StartRunInput = { versionId: string; input: Record<string, unknown>; startedById?: string | null; parent?: { runId: string; taskId: string } };

async function startRunInTx(tx: Tx, deps: EngineDeps, args: StartRunInput): Promise<{ runId: string; rt: RunTx }> {
  const v = await loadVersion(tx, args.versionId);
  const id = randomUUID();
  const now = deps.now();
  const marking = v.net.initial.slice();
  await tx.run.create({
    data: {
      id,
      workflowId: v.workflowId,
      versionId: v.id,
      status: "running",
      marking,
      variables: args.input as object,
      input: args.input as object,
      parentRunId: args.parent?.runId ?? null,
      parentTaskId: args.parent?.taskId ?? null,
      startedById: args.startedById ?? null,
      deadline: v.graph.runTimeoutMs ? new Date(now.getTime() + v.graph.runTimeoutMs) : null,
      createdAt: now,
    },
  });
  const rt = new RunTx(tx, deps, { id, versionId: v.id, status: "running", marking, variables: {}, parentRunId: args.parent?.runId ?? null, parentTaskId: args.parent?.taskId ?? null }, v);
  rt.emit({ type: "RunStarted", input: args.input, marking, set: args.input });
  await advance(rt);
  await rt.flush();
  return { runId: id, rt };
}

/**
 * Called inside an engine operation's transaction, so that what the caller records about it
 * (the audit row) commits or rolls back together with it. The engine knows nothing more of it.
 */
export type InTxHook = (tx: Tx, runId: string) => Promise<void>;

/** Starts a run of a published version; returns its id. */
export async function startRun(deps: EngineDeps, args: StartRunInput, hook?: InTxHook): Promise<string> {
  return inTx(deps.prisma, async (tx) => {
    const { runId, rt } = await startRunInTx(tx, deps, args);
    await settleChildren(rt);
    await hook?.(tx, runId);
    await notifyTasks(tx);
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
  const ids = tasks.map((t) => t.id);
  await rt.tx.task.updateMany({ where: { id: { in: ids } }, data: { status: "cancelled", leaseOwner: null, leaseExpiresAt: null } });
  rt.emit({ type: "TasksWithdrawn", taskIds: ids, reason });
  // Child runs of withdrawn sub-workflow tasks are cancelled too.
  for (const t of tasks) if (t.childRunId) await cancelInTx(rt.tx, rt.deps, t.childRunId, `its parent's step "${t.nodeId}" was withdrawn`);
  rt.invalidate();
  await rt.tx.$executeRaw`SELECT pg_notify(${RUNS_CHANNEL}, ${rt.run.id})`;
}

/** Fires an automatic transition; withdraws tasks whose tokens a reset took. */
async function fireNow(rt: RunTx, ti: number): Promise<void> {
  const t = rt.v.net.transitions[ti]!;
  rt.emit({ type: "TransitionFired", nodeId: t.origin.nodeId, transition: ti, consumed: places(t.inputs), produced: places(t.outputs), ...(t.resets?.length ? { resets: t.resets } : {}) });
  if (t.resets?.length) await withdrawHolding(rt, new Set(t.resets), "cancelled by a cancel region or a terminate end");
}

async function withdrawHolding(rt: RunTx, placeSet: Set<number>, reason: string): Promise<void> {
  const open = await rt.openTasks();
  await withdrawTasks(rt, open.filter((task) => (task.places as number[]).some((p) => placeSet.has(p))), reason);
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

async function schedule(rt: RunTx, ti: number, consumeOnFire: boolean): Promise<void> {
  const t = rt.v.net.transitions[ti]!;
  const node = nodeOf(rt, ti);
  const kind = taskKindOf(node);
  const id = randomUUID();
  const consumed = places(t.inputs);
  const runAt = kind === "timer" ? timerDue(node, rt.now) : rt.now;
  const timeouts = timeoutsOf(node.timeouts);
  await rt.tx.task.create({
    data: {
      id,
      runId: rt.run.id,
      nodeId: node.id,
      transition: ti,
      kind,
      status: kind === "activity" || kind === "timer" ? "ready" : "waiting",
      runAt,
      scheduledAt: rt.now,
      scheduleDeadline: timeouts.scheduleToCloseMs ? new Date(rt.now.getTime() + timeouts.scheduleToCloseMs) : null,
      leaseMs: leaseMs(timeouts),
      places: consumed,
      consumeOnFire,
      createdAt: rt.now,
    },
  });
  rt.emit({ type: "NodeScheduled", nodeId: node.id, taskId: id, kind, transition: ti, runAt: runAt.toISOString(), consumed, consumeOnFire });
  rt.invalidate();
  const name = signalNameOf(node);
  if (name) {
    const waiting = await rt.tx.signal.findFirst({ where: { runId: rt.run.id, name, consumedAt: null }, orderBy: { receivedAt: "asc" } });
    if (waiting) await deliverSignal(rt, await rt.tx.task.findUniqueOrThrow({ where: { id } }), waiting);
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
  const task = await rt.tx.task.findUniqueOrThrow({ where: { id: taskId } });
  if (!version) {
    await failInRun(rt, task, { type: "ChildWorkflowMissing", message: `Workflow "${ref}"${pinned ? ` version ${pinned}` : ""} is not published.`, nonRetryable: true }, task.attempt);
    return;
  }
  const child = await startRunInTx(rt.tx, rt.deps, { versionId: version.id, input: rt.state.variables, parent: { runId: rt.run.id, taskId } });
  await rt.tx.task.update({ where: { id: taskId }, data: { childRunId: child.runId } });
  rt.invalidate();
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
          const open = await rt.openTasks();
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
  const open = await rt.openTasks();
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
  await withdrawTasks(rt, await rt.openTasks(), "the run failed");
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
  const stored = await rt.tx.runEvent.findMany({ where: { runId: rt.run.id, type: "TaskCompleted" }, orderBy: { seq: "asc" }, select: { payload: true } });
  const completed = [...stored.map((e) => e.payload as EngineEvent), ...rt.events].filter((e): e is Extract<EngineEvent, { type: "TaskCompleted" }> => e.type === "TaskCompleted");
  const due = completed.map((e) => rt.v.nodes.get(e.nodeId)?.compensate).filter((h): h is string => !!h).reverse();
  const already = await rt.tx.task.count({ where: { runId: rt.run.id, kind: "compensation" } });
  const handler = due[already];
  if (!handler) return;
  const id = randomUUID();
  await rt.tx.task.create({ data: { id, runId: rt.run.id, nodeId: handler, transition: -1, kind: "compensation", status: "ready", runAt: rt.now, scheduledAt: rt.now, leaseMs: leaseMs(timeoutsOf(rt.v.nodes.get(handler)?.timeouts)), places: [], createdAt: rt.now } });
  rt.emit({ type: "NodeScheduled", nodeId: handler, taskId: id, kind: "compensation", transition: -1, runAt: rt.now.toISOString(), consumed: [], consumeOnFire: false });
  rt.invalidate();
}

async function notifyParent(rt: RunTx, ok: boolean, failure?: Failure): Promise<void> {
  const { parentRunId, parentTaskId } = rt.run;
  if (!parentRunId || !parentTaskId) return;
  // The parent may be the caller of this very transaction (a child finished at once): it settles it.
  const parentRow = await rt.tx.task.findUnique({ where: { id: parentTaskId }, select: { childRunId: true, status: true } });
  if (!parentRow || parentRow.childRunId !== rt.run.id) return;
  await rt.flush();
  const parent = await openRun(rt.tx, rt.deps, parentRunId);
  const task = await parent.tx.task.findUniqueOrThrow({ where: { id: parentTaskId } });
  if (task.status !== "waiting") return;
  if (ok) await completeInRun(parent, task, { childRunId: rt.run.id, variables: rt.state.variables }, "TaskCompleted");
  else await failInRun(parent, task, { type: "ChildRunFailed", message: `The sub-workflow run ${rt.run.id} ${failure ? `failed: ${failure.message}` : "failed"}.`, nonRetryable: true }, task.attempt);
  await advance(parent);
  await settleChildren(parent);
}

/** Settles child runs that finished inside the transaction that started them. */
async function settleChildren(rt: RunTx): Promise<void> {
  while (rt.finishedChildren.length) {
    const c = rt.finishedChildren.shift()!;
    const task = await rt.tx.task.findUniqueOrThrow({ where: { id: c.taskId } });
    if (task.status !== "waiting") continue;
    if (c.ok) await completeInRun(rt, task, { variables: c.variables }, "TaskCompleted");
    else await failInRun(rt, task, c.failure!, task.attempt);
    await advance(rt);
  }
  await rt.flush();
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
    await rt.tx.task.update({ where: { id: task.id }, data: { status: "done", leaseOwner: null, leaseExpiresAt: null } });
    rt.invalidate();
    rt.emit({ type: "TaskCompleted", nodeId: task.nodeId, taskId: task.id, attempt: task.attempt, transition: -1, output: output ?? null });
    await scheduleNextCompensation(rt);
    return true;
  }
  const t = rt.v.net.transitions[task.transition]!;
  const node = rt.v.nodes.get(task.nodeId)!;
  const held = task.places as number[];
  if (task.consumeOnFire && !held.every((p) => (rt.state.marking[p] ?? 0) > 0)) return false;
  const move = { consumed: task.consumeOnFire ? held : [], produced: places(t.outputs), ...(t.resets?.length ? { resets: t.resets } : {}), set: outputsOf(node, output) };
  await rt.tx.task.update({ where: { id: task.id }, data: { status: "done", leaseOwner: null, leaseExpiresAt: null } });
  rt.invalidate();
  if (type === "TimerFired") rt.emit({ type, nodeId: node.id, taskId: task.id, transition: task.transition, ...move });
  else rt.emit({ type, nodeId: node.id, taskId: task.id, attempt: task.attempt, transition: task.transition, output: output ?? null, ...move });
  if (task.consumeOnFire) {
    const rivals = (await rt.openTasks()).filter((o) => o.consumeOnFire && (o.places as number[]).some((p) => held.includes(p)));
    await withdrawTasks(rt, rivals, `"${node.label ?? node.id}" happened first`);
  }
  if (t.resets?.length) await withdrawHolding(rt, new Set(t.resets), "cancelled by a cancel region or a terminate end");
  return true;
}

/** A final failure of a task: along an error edge when drawn, else the run fails. */
async function failInRun(rt: RunTx, task: TaskRow, failure: Failure, attempt: number): Promise<void> {
  await rt.tx.task.update({ where: { id: task.id }, data: { status: "failed", leaseOwner: null, leaseExpiresAt: null, lastError: failure as object } });
  rt.invalidate();
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
    rt.emit({ type: "ErrorRouted", nodeId: task.nodeId, taskId: task.id, transition: errorTi, failure, consumed: task.consumeOnFire ? (task.places as number[]) : [], produced: places(et.outputs), set: { error: failure } });
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
};

/**
 * Claims up to `limit` due tasks for `worker` in ONE statement: SKIP LOCKED lets many workers
 * claim at once without blocking each other or taking the same task (graphile-worker's getJobs is
 * the model); tasks of paused runs are skipped (compensations of finished runs are not). The same
 * statement leases the tasks for their node's lease, bumps each run's sequence and appends one
 * TaskStarted event per task, so a claim costs one round trip however many tasks it takes.
 */
export async function claimTasks(deps: EngineDeps, worker: string, limit: number): Promise<ClaimedTask[]> {
  const now = deps.now();
  const rows = await deps.prisma.$queryRaw<Array<{ id: string; run_id: string; node_id: string; kind: string; attempt: number; lease_expires_at: Date; variables: Record<string, unknown>; version_id: string }>>`
    WITH picked AS (
      SELECT t.id FROM tasks t JOIN runs r ON r.id = t.run_id
      WHERE t.status = 'ready' AND t.run_at <= ${now}
        AND (r.status = 'running' OR (t.kind = 'compensation' AND r.status IN ('failed', 'cancelled')))
      ORDER BY t.priority DESC, t.run_at, t.id
      LIMIT ${limit}
      FOR UPDATE OF t SKIP LOCKED
    ), leased AS (
      UPDATE tasks SET status = 'leased', lease_owner = ${worker}, attempt = tasks.attempt + 1,
        lease_expires_at = ${now}::timestamptz + tasks.lease_ms * interval '1 millisecond'
      FROM picked WHERE tasks.id = picked.id
      RETURNING tasks.id, tasks.run_id, tasks.node_id, tasks.kind, tasks.attempt, tasks.lease_expires_at
    ), counts AS (
      SELECT run_id, count(*)::int AS n FROM leased GROUP BY run_id
    ), bumped AS (
      UPDATE runs SET last_seq = runs.last_seq + counts.n, updated_at = ${now}
      FROM counts WHERE runs.id = counts.run_id
      RETURNING runs.id, runs.last_seq, counts.n, runs.variables, runs.version_id
    ), numbered AS (
      SELECT l.*, (b.last_seq - b.n + row_number() OVER (PARTITION BY l.run_id ORDER BY l.id))::int AS seq, b.variables, b.version_id
      FROM leased l JOIN bumped b ON b.id = l.run_id
    ), appended AS (
      INSERT INTO run_events (run_id, seq, type, node_id, task_id, attempt, payload, at)
      SELECT run_id, seq, 'TaskStarted', node_id, id, attempt,
        jsonb_build_object('type', 'TaskStarted', 'nodeId', node_id, 'taskId', id, 'attempt', attempt, 'worker', ${worker}::text), ${now}
      FROM numbered
    )
    SELECT id, run_id, node_id, kind, attempt, lease_expires_at, variables, version_id FROM numbered`;
  const claimed: ClaimedTask[] = [];
  for (const r of rows) {
    const v = await loadVersion(deps.prisma, r.version_id);
    claimed.push({ id: r.id, runId: r.run_id, nodeId: r.node_id, kind: r.kind as TaskKind, attempt: Number(r.attempt), leaseExpiresAt: new Date(r.lease_expires_at), node: v.nodes.get(r.node_id)!, variables: r.variables });
  }
  return claimed;
}

type LeaseCheck = { taskId: string; worker: string; attempt: number; /** Saves a look-up when known. */ runId?: string };

/** Locks the run, then checks that `worker` still holds the lease of this attempt. */
async function leasedTask(tx: Tx, deps: EngineDeps, c: LeaseCheck): Promise<{ rt: RunTx; task: TaskRow } | null> {
  const runId = c.runId ?? (await tx.task.findUnique({ where: { id: c.taskId }, select: { runId: true } }))?.runId;
  if (!runId) return null;
  const rt = await openRun(tx, deps, runId);
  const task = await tx.task.findUnique({ where: { id: c.taskId } });
  const now = deps.now();
  if (!task || task.runId !== runId) return null;
  if (task.status !== "leased" || task.leaseOwner !== c.worker || task.attempt !== c.attempt || !task.leaseExpiresAt || task.leaseExpiresAt <= now) return null;
  return { rt, task };
}

/** Completes an attempt in ONE transaction. False when the lease was lost (the result is dropped). */
export async function completeTask(deps: EngineDeps, c: LeaseCheck & { output: unknown }): Promise<boolean> {
  return inTx(deps.prisma, async (tx) => {
    const held = await leasedTask(tx, deps, c);
    if (!held) return false;
    const { rt, task } = held;
    const ok = await completeInRun(rt, task, c.output, task.kind === "timer" ? "TimerFired" : "TaskCompleted");
    if (!ok) await withdrawTasks(rt, [task], "its token was taken by another event");
    await advance(rt);
    await rt.flush();
    await settleChildren(rt);
    await notifyTasks(tx);
    return true;
  });
}

/** Records a failed attempt: a retry after backoff, or the final failure. False when the lease was lost. */
export async function failTask(deps: EngineDeps, c: LeaseCheck & { failure: Failure }): Promise<boolean> {
  return inTx(deps.prisma, async (tx) => {
    const held = await leasedTask(tx, deps, c);
    if (!held) return false;
    const { rt, task } = held;
    await retryOrFail(rt, task, c.failure, c.attempt);
    await advance(rt);
    await settleChildren(rt);
    await notifyTasks(tx);
    return true;
  });
}

async function retryOrFail(rt: RunTx, task: TaskRow, failure: Failure, attempt: number): Promise<void> {
  const node = rt.v.nodes.get(task.nodeId)!;
  const policy = retryPolicyOf(node.retry);
  const runAt = new Date(rt.now.getTime() + backoffMs(policy, attempt + 1));
  const withinDeadline = !task.scheduleDeadline || runAt < task.scheduleDeadline;
  if (shouldRetry(policy, failure, attempt) && withinDeadline) {
    await rt.tx.task.update({ where: { id: task.id }, data: { status: "ready", runAt, leaseOwner: null, leaseExpiresAt: null, lastError: failure as object } });
    rt.emit({ type: "TaskFailed", nodeId: task.nodeId, taskId: task.id, attempt, failure, final: false });
    rt.emit({ type: "RetryScheduled", nodeId: task.nodeId, taskId: task.id, attempt, runAt: runAt.toISOString() });
    rt.invalidate();
    return;
  }
  const final = withinDeadline ? failure : { type: "ScheduleToCloseTimeout", message: `Not done within its schedule-to-close timeout (last failure: ${failure.message})`, nonRetryable: true };
  await failInRun(rt, task, final, attempt);
}

/** Gives a lease back (the worker is stopping): the task returns to the queue at once. */
export async function releaseTask(deps: EngineDeps, c: LeaseCheck): Promise<boolean> {
  return inTx(deps.prisma, async (tx) => {
    const held = await leasedTask(tx, deps, c);
    if (!held) return false;
    const { rt, task } = held;
    await tx.task.update({ where: { id: task.id }, data: { status: "ready", runAt: rt.now, leaseOwner: null, leaseExpiresAt: null } });
    rt.emit({ type: "TaskLeaseExpired", nodeId: task.nodeId, taskId: task.id, attempt: task.attempt });
    await rt.flush();
    await notifyTasks(tx);
    return true;
  });
}

/** Extends the lease (by the heartbeat timeout) and records the progress. False when the lease was lost. */
export async function heartbeatTask(deps: EngineDeps, c: LeaseCheck & { details: unknown }): Promise<boolean> {
  return inTx(deps.prisma, async (tx) => {
    const held = await leasedTask(tx, deps, c);
    if (!held) return false;
    const { rt, task } = held;
    const node = rt.v.nodes.get(task.nodeId)!;
    const leaseExpiresAt = new Date(rt.now.getTime() + leaseMs(timeoutsOf(node.timeouts)));
    await tx.task.update({ where: { id: task.id }, data: { leaseExpiresAt, heartbeat: (c.details ?? null) as object } });
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
    const done = await inTx(deps.prisma, async (tx) => {
      const first = await tx.task.findUnique({ where: { id }, select: { runId: true } });
      if (!first) return false;
      const rt = await openRun(tx, deps, first.runId);
      const task = await tx.task.findUniqueOrThrow({ where: { id } });
      if (task.status !== "leased" || !task.leaseExpiresAt || task.leaseExpiresAt > rt.now) return false;
      rt.emit({ type: "TaskLeaseExpired", nodeId: task.nodeId, taskId: task.id, attempt: task.attempt });
      await tx.task.update({ where: { id }, data: { status: "ready", runAt: rt.now, leaseOwner: null, leaseExpiresAt: null } });
      rt.invalidate();
      const node = rt.v.nodes.get(task.nodeId)!;
      const timeout: Failure = { type: "StartToCloseTimeout", message: `The attempt did not finish or heartbeat in time (lease of ${leaseMs(timeoutsOf(node.timeouts))} ms).`, nonRetryable: false };
      const policy = retryPolicyOf(node.retry);
      if (!shouldRetry(policy, timeout, task.attempt) || (task.scheduleDeadline && task.scheduleDeadline <= rt.now)) {
        await failInRun(rt, { ...task, status: "ready" }, timeout, task.attempt);
        await advance(rt);
      }
      await settleChildren(rt);
      await notifyTasks(tx);
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
  const held = task.places as number[];
  if (task.consumeOnFire && !held.every((p) => (rt.state.marking[p] ?? 0) > 0)) return false;
  const payload = (signal.payload ?? {}) as Record<string, unknown>;
  const set: Record<string, unknown> = {};
  for (const name of node.outputs ?? []) set[name] = node.kind === "approval" && name === "approved" ? payload.decision === "approve" : (payload[name] ?? null);
  await rt.tx.task.update({ where: { id: task.id }, data: { status: "done" } });
  await rt.tx.signal.update({ where: { id: signal.id }, data: { consumedAt: rt.now, taskId: task.id } });
  rt.invalidate();
  rt.emit({ type: "SignalReceived", nodeId: node.id, taskId: task.id, signalId: signal.id, name: signal.name, payload: signal.payload ?? null, transition: task.transition, consumed: task.consumeOnFire ? held : [], produced: places(t.outputs), ...(t.resets?.length ? { resets: t.resets } : {}), set });
  if (task.consumeOnFire) {
    const rivals = (await rt.openTasks()).filter((o) => o.consumeOnFire && (o.places as number[]).some((p) => held.includes(p)));
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
  return inTx(deps.prisma, async (tx) => {
    const rt = await openRun(tx, deps, args.runId);
    if (rt.state.status !== "running" && rt.state.status !== "paused") throw new AppError("CONFLICT", { message: `Run ${args.runId} is ${rt.state.status}; it takes no more signals.` });
    const listeners = [...rt.v.nodes.values()].filter((n) => signalNameOf(n) === args.name);
    if (!listeners.length) {
      const known = [...rt.v.nodes.values()].map(signalNameOf).filter(Boolean);
      throw new AppError("INVALID_INPUT", { message: `No step of this run waits for the signal "${args.name}"${known.length ? `; it waits for: ${known.join(", ")}` : "; it waits for no signal"}.`, details: { fields: [{ path: "name", message: "is not a signal this run waits for" }] } });
    }
    const signal = await tx.signal.create({ data: { runId: args.runId, name: args.name, payload: args.payload as object, receivedAt: rt.now } });
    const open = await rt.openTasks();
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
    await notifyTasks(tx);
    return { delivered, signalId: signal.id };
  });
}

async function cancelInTx(tx: Tx, deps: EngineDeps, runId: string, reason: string): Promise<boolean> {
  const rt = await openRun(tx, deps, runId);
  if (rt.state.status !== "running" && rt.state.status !== "paused") return false;
  await withdrawTasks(rt, await rt.openTasks(), "the run was cancelled");
  rt.emit({ type: "RunCancelled", reason });
  await scheduleNextCompensation(rt);
  await rt.flush();
  return true;
}

/** Cancels a run: open work withdrawn (running plugins are aborted), child runs cancelled too. */
export async function cancelRun(deps: EngineDeps, runId: string, reason: string, hook?: InTxHook): Promise<void> {
  await inTx(deps.prisma, async (tx) => {
    const run = await lockRun(tx, runId);
    if (run.status !== "running" && run.status !== "paused") throw new AppError("CONFLICT", { message: `Run ${runId} is already ${run.status}.` });
    await cancelInTx(tx, deps, runId, reason);
    if (run.parentRunId && run.parentTaskId) {
      const parent = await openRun(tx, deps, run.parentRunId);
      const task = await tx.task.findUnique({ where: { id: run.parentTaskId } });
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
  await inTx(deps.prisma, async (tx) => {
    const rt = await openRun(tx, deps, runId);
    if (rt.state.status !== "running") throw new AppError("CONFLICT", { message: `Run ${runId} is ${rt.state.status}; only a running run can be paused.` });
    rt.emit({ type: "RunPaused", ...(reason ? { reason } : {}) });
    await rt.flush();
    await hook?.(tx, runId);
  });
}

export async function resumeRun(deps: EngineDeps, runId: string, hook?: InTxHook): Promise<void> {
  await inTx(deps.prisma, async (tx) => {
    const rt = await openRun(tx, deps, runId);
    if (rt.state.status !== "paused") throw new AppError("CONFLICT", { message: `Run ${runId} is ${rt.state.status}; only a paused run can be resumed.` });
    rt.emit({ type: "RunResumed" });
    await advance(rt);
    await settleChildren(rt);
    await hook?.(tx, runId);
    await notifyTasks(tx);
  });
}

/** Fails running runs past their run timeout. */
export async function expireRuns(deps: EngineDeps, limit = 50): Promise<number> {
  const now = deps.now();
  const due = await deps.prisma.run.findMany({ where: { status: { in: ["running", "paused"] }, deadline: { lte: now } }, select: { id: true }, take: limit });
  for (const { id } of due) {
    await inTx(deps.prisma, async (tx) => {
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
  const rows = await prisma.runEvent.findMany({ where: { runId }, orderBy: { seq: "asc" } });
  const differences: string[] = [];
  rows.forEach((r, i) => {
    if (r.seq !== i + 1) differences.push(`event ${i + 1} has sequence number ${r.seq} (a gap or a duplicate)`);
  });
  if (rows.length !== run.lastSeq) differences.push(`the run says it has ${run.lastSeq} events; history holds ${rows.length}`);
  const folded = fold(rows.map((r) => r.payload as EngineEvent));
  if (folded.status !== run.status) differences.push(`status: history says ${folded.status}, stored ${run.status}`);
  if (JSON.stringify(folded.marking) !== JSON.stringify(run.marking)) differences.push(`marking: history says ${JSON.stringify(folded.marking)}, stored ${JSON.stringify(run.marking)}`);
  if (JSON.stringify(sortKeys(folded.variables)) !== JSON.stringify(sortKeys(run.variables))) differences.push("variables differ between history and the stored run");
  const tasks = await prisma.task.findMany({ where: { runId } });
  for (const t of tasks) {
    const f = folded.tasks[t.id];
    if (!f) differences.push(`task ${t.id} (${t.nodeId}) is not in history`);
    else if (f.status !== t.status || f.attempt !== t.attempt) differences.push(`task ${t.id} (${t.nodeId}): history says ${f.status}/attempt ${f.attempt}, stored ${t.status}/attempt ${t.attempt}`);
  }
  for (const id of Object.keys(folded.tasks)) if (!tasks.some((t) => t.id === id)) differences.push(`task ${id} is in history but not stored`);
  return { ok: differences.length === 0, events: rows.length, differences };
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}
