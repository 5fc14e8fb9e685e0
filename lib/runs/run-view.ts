/**
 * What the run page shows, folded from a run's history (the same events the engine appended):
 * each node's state, its attempts (for the timeline), its last output, error and heartbeat, the
 * tokens on the canvas, and the variables. Pure: the page folds events as they stream in.
 *
 * @example
 * const view = foldRunView(graph, events); // events in sequence order
 * view.nodes.get("approve")?.state // "waiting"
 */
import type { Net } from "../petri/net";
import type { WorkflowGraph } from "../workflow/schema";

/** One history event as the API streams it. */
export type RunEventRecord = { seq: number; type: string; nodeId: string | null; taskId: string | null; attempt: number | null; payload: unknown; at: string | Date };

/**
 * Not a history event: the live stream's report of the attempts running now whose TaskStarted is
 * not in history yet (a claim writes only its task row; the event is appended when the attempt
 * closes or first reports). Sent whenever that set changes, with the sequence number of the last
 * event sent before it and `payload: { tasks: RunningAttempt[] }`.
 */
export const RUNNING = "Running";
export type RunningAttempt = { taskId: string; nodeId: string; attempt: number; startedAt: string };

export type NodeState = "pending" | "running" | "retrying" | "waiting" | "done" | "failed" | "cancelled" | "skipped" | "compensated";

export type Attempt = { attempt: number; taskId: string; start: number; end: number | null; outcome: "running" | "done" | "failed" | "retrying" | "waiting" | "cancelled" | "lease-expired"; error?: { type: string; message: string } };

export type NodeView = {
  state: NodeState;
  attempts: Attempt[];
  /** When the node was scheduled (the wait before its first attempt). */
  scheduledAt: number | null;
  /** The run's variables when the step was (last) scheduled: what it started from. */
  input?: Record<string, unknown>;
  output?: unknown;
  error?: { type: string; message: string; nonRetryable?: boolean };
  heartbeat?: unknown;
  kind?: string;
};

export type RunView = {
  status: "running" | "paused" | "completed" | "failed" | "cancelled";
  nodes: Map<string, NodeView>;
  /** Tokens per place index (the marking). */
  marking: number[];
  variables: Record<string, unknown>;
  startedAt: number | null;
  endedAt: number | null;
  lastSeq: number;
  failure?: { type: string; message: string };
  rerunOf?: { runId: string; nodeId: string };
  /** Which node each task belongs to (events about a task may name only the task). */
  taskNode: Map<string, string>;
};

type P = Record<string, unknown> & { consumed?: number[]; produced?: number[]; resets?: number[]; set?: Record<string, unknown> };

const time = (at: string | Date) => (typeof at === "string" ? Date.parse(at) : at.getTime());

export function emptyRunView(): RunView {
  return { status: "running", nodes: new Map(), marking: [], variables: {}, startedAt: null, endedAt: null, lastSeq: 0, taskNode: new Map() };
}

function node(v: RunView, id: string): NodeView {
  let n = v.nodes.get(id);
  if (!n) v.nodes.set(id, (n = { state: "pending", attempts: [], scheduledAt: null }));
  return n;
}

function move(v: RunView, p: P): void {
  for (const i of p.consumed ?? []) v.marking[i] = (v.marking[i] ?? 0) - 1;
  for (const i of p.resets ?? []) v.marking[i] = 0;
  for (const i of p.produced ?? []) v.marking[i] = (v.marking[i] ?? 0) + 1;
  if (p.set) v.variables = { ...v.variables, ...p.set };
}

/** Applies one event (in sequence order) to the view; returns the same view, changed. */
export function applyRunEvent(v: RunView, e: RunEventRecord): RunView {
  const taskNode = v.taskNode;
  if (e.seq <= v.lastSeq) return v; // already applied (a resumed stream never repeats, but be safe)
  v.lastSeq = e.seq;
  const p = (e.payload ?? {}) as P;
  const t = time(e.at);
  const nodeId = e.nodeId ?? (e.taskId ? taskNode.get(e.taskId) : undefined);
  const current = (n: NodeView) => n.attempts[n.attempts.length - 1];
  switch (e.type) {
    case "RunStarted":
      v.marking = [...((p.marking as number[]) ?? [])];
      move(v, { set: p.set });
      v.startedAt = t;
      if (p.rerunOf) v.rerunOf = p.rerunOf as RunView["rerunOf"];
      break;
    case "TransitionFired":
      move(v, p);
      if (nodeId) {
        const n = node(v, nodeId);
        n.state = "done";
        n.attempts.push({ attempt: 1, taskId: `fire-${e.seq}`, start: t, end: t, outcome: "done" });
      }
      break;
    case "NodeScheduled": {
      if (!p.consumeOnFire) for (const i of (p.consumed as number[]) ?? []) v.marking[i] = (v.marking[i] ?? 0) - 1;
      if (!nodeId || !e.taskId) break;
      taskNode.set(e.taskId, nodeId);
      const n = node(v, nodeId);
      n.kind = p.kind as string;
      n.scheduledAt = t;
      n.input = v.variables;
      if (p.kind === "compensation") break;
      n.state = p.kind === "activity" ? "pending" : "waiting";
      if (p.kind !== "activity") n.attempts.push({ attempt: 0, taskId: e.taskId, start: t, end: null, outcome: "waiting" });
      break;
    }
    case "TaskStarted": {
      if (!nodeId || !e.taskId) break;
      const n = node(v, nodeId);
      if (n.kind === "compensation") break;
      n.state = "running";
      // Appended when the attempt closes or first reports; it carries when the attempt started.
      const start = typeof p.startedAt === "string" ? Date.parse(p.startedAt) : t;
      const seen = n.attempts.find((a) => a.taskId === e.taskId && a.attempt === (e.attempt ?? 1));
      if (seen) seen.start = start;
      else n.attempts.push({ attempt: e.attempt ?? 1, taskId: e.taskId, start, end: null, outcome: "running" });
      break;
    }
    case "TaskHeartbeat":
      if (nodeId) node(v, nodeId).heartbeat = p.details;
      break;
    case "TaskCompleted":
    case "TimerFired":
    case "SignalReceived": {
      move(v, p);
      if (!nodeId) break;
      const n = node(v, nodeId);
      const a = current(n);
      if (a && a.end === null) Object.assign(a, { end: t, outcome: "done" });
      if (n.kind === "compensation") {
        // The compensated step is the one whose compensation this is: marked by the page from the graph.
        n.state = "done";
        break;
      }
      n.state = "done";
      n.output = e.type === "SignalReceived" ? p.payload : p.output;
      n.error = undefined;
      break;
    }
    case "TaskFailed": {
      if (!nodeId) break;
      const n = node(v, nodeId);
      const f = p.failure as NodeView["error"];
      const a = current(n);
      if (a && a.end === null) Object.assign(a, { end: t, outcome: p.final ? "failed" : "retrying", error: f ? { type: f.type, message: f.message } : undefined });
      n.error = f;
      n.state = p.final ? "failed" : "retrying";
      break;
    }
    case "RetryScheduled":
      if (nodeId) node(v, nodeId).state = "retrying";
      break;
    case "TaskLeaseExpired": {
      if (!nodeId) break;
      const n = node(v, nodeId);
      const a = current(n);
      if (a && a.end === null) Object.assign(a, { end: t, outcome: "lease-expired" });
      n.state = "retrying";
      break;
    }
    case "ErrorRouted":
      move(v, p);
      break;
    case "TasksWithdrawn":
      for (const id of (p.taskIds as string[]) ?? []) {
        const nid = taskNode.get(id);
        if (!nid) continue;
        const n = node(v, nid);
        const a = n.attempts.find((x) => x.taskId === id && x.end === null);
        if (a) Object.assign(a, { end: t, outcome: "cancelled" });
        if (n.state !== "done" && n.state !== "failed") n.state = "cancelled";
      }
      break;
    case "RunPaused":
      v.status = "paused";
      break;
    case "RunResumed":
      v.status = "running";
      break;
    case "RunCompleted":
      v.status = "completed";
      v.endedAt = t;
      break;
    case "RunFailed": {
      v.status = "failed";
      v.endedAt = t;
      const f = p.failure as { type: string; message: string } | undefined;
      if (f) v.failure = { type: f.type, message: f.message };
      break;
    }
    case "RunCancelled":
      v.status = "cancelled";
      v.endedAt = t;
      break;
    case "RunReopened":
      v.status = "running";
      v.endedAt = null;
      v.failure = undefined;
      move(v, { produced: p.produced as number[] });
      break;
  }
  return v;
}

/**
 * The attempts running now whose TaskStarted is not in history yet (the live stream reports them
 * between events): their steps show as running from when their leases were taken. Their
 * TaskStarted, when it comes, takes the same attempt over.
 */
export function applyRunning(v: RunView, tasks: RunningAttempt[]): RunView {
  for (const r of tasks) {
    v.taskNode.set(r.taskId, r.nodeId);
    const n = node(v, r.nodeId);
    if (n.kind === "compensation" || n.attempts.some((a) => a.taskId === r.taskId && a.attempt === r.attempt)) continue;
    n.state = "running";
    n.attempts.push({ attempt: r.attempt, taskId: r.taskId, start: Date.parse(r.startedAt), end: null, outcome: "running" });
  }
  return v;
}

/** Folds a whole history. */
export function foldRunView(events: RunEventRecord[]): RunView {
  const v = emptyRunView();
  for (const e of events) applyRunEvent(v, e);
  return v;
}

/** The state to draw for each node of the graph, with "skipped" for nodes a finished run never reached and "compensated" for undone ones. */
export function nodeStates(graph: WorkflowGraph, v: RunView): Map<string, NodeState> {
  const out = new Map<string, NodeState>();
  const compensatedBy = new Map<string, string>(); // handler -> compensated node
  for (const n of graph.nodes) if (n.compensate) compensatedBy.set(n.compensate, n.id);
  for (const n of graph.nodes) {
    const seen = v.nodes.get(n.id);
    let s: NodeState = seen?.state ?? "pending";
    if (!seen && v.status !== "running" && v.status !== "paused") s = "skipped";
    out.set(n.id, s);
  }
  for (const [handler, original] of compensatedBy) if (v.nodes.get(handler)?.kind === "compensation" && v.nodes.get(handler)?.state === "done") out.set(original, "compensated");
  return out;
}

/** Tokens to draw: the edge (or node) each marked place belongs to, with its count. */
export function tokenPlaces(net: Net, marking: number[]): Array<{ edgeId?: string; nodeId?: string; count: number }> {
  const out: Array<{ edgeId?: string; nodeId?: string; count: number }> = [];
  marking.forEach((n, i) => {
    if (n > 0 && net.places[i]) out.push({ ...(net.places[i]!.origin.edgeId ? { edgeId: net.places[i]!.origin.edgeId } : {}), ...(net.places[i]!.origin.nodeId ? { nodeId: net.places[i]!.origin.nodeId } : {}), count: n });
  });
  return out;
}
