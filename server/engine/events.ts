/**
 * The history of a run: every change of its state is one of these events, numbered per run with
 * no gaps. Events that move tokens say which places they consumed, reset and produced, and which
 * variables they set, so folding the history rebuilds the run's state exactly (see fold()).
 */

export type Move = { consumed?: number[]; produced?: number[]; resets?: number[]; set?: Record<string, unknown> };

/** A failure, matched against the node's retry policy (Temporal's ApplicationFailure is the model). */
export type Failure = { type: string; message: string; nonRetryable: boolean; details?: unknown };

export type TaskKind = "activity" | "timer" | "signal" | "approval" | "child" | "compensation";

export type EngineEvent =
  | ({ type: "RunStarted"; input: unknown; marking: number[]; rerunOf?: { runId: string; nodeId: string } } & Move)
  | ({ type: "TransitionFired"; nodeId?: string; transition: number } & Move)
  | { type: "NodeScheduled"; nodeId: string; taskId: string; kind: TaskKind; transition: number; runAt: string; consumed: number[]; consumeOnFire: boolean; childRunId?: string }
  | { type: "TaskStarted"; nodeId: string; taskId: string; attempt: number; worker: string; /** When the lease was taken: the event itself is appended when the attempt closes or first reports. */ startedAt?: string }
  | { type: "TaskHeartbeat"; nodeId: string; taskId: string; attempt: number; details: unknown }
  | ({ type: "TaskCompleted"; nodeId: string; taskId: string; attempt: number; transition: number; output: unknown } & Move)
  | { type: "TaskFailed"; nodeId: string; taskId: string; attempt: number; failure: Failure; final: boolean }
  | { type: "RetryScheduled"; nodeId: string; taskId: string; attempt: number; runAt: string }
  | { type: "TaskLeaseExpired"; nodeId: string; taskId: string; attempt: number }
  | ({ type: "ErrorRouted"; nodeId: string; taskId: string; transition: number; failure: Failure } & Move)
  | ({ type: "TimerFired"; nodeId: string; taskId: string; transition: number } & Move)
  | ({ type: "SignalReceived"; nodeId: string; taskId: string; signalId: string; name: string; payload: unknown; transition: number } & Move)
  | { type: "TasksWithdrawn"; taskIds: string[]; reason: string }
  | { type: "RunPaused"; reason?: string }
  | { type: "RunResumed" }
  | { type: "RunCompleted" }
  | { type: "RunFailed"; failure: Failure }
  | { type: "RunCancelled"; reason: string }
  /** A failed run taken up again (an operator's "retry"): the failed step's tokens, and those of the work withdrawn because of the failure, come back. */
  | { type: "RunReopened"; reason: string; produced: number[] };

export type EventType = EngineEvent["type"];

export type RunStatus = "running" | "paused" | "completed" | "failed" | "cancelled";
export type TaskState = { status: "ready" | "leased" | "waiting" | "done" | "failed" | "cancelled"; attempt: number };

/** What folding a history gives: everything the run row and its tasks store about state. */
export type FoldedRun = {
  status: RunStatus;
  marking: number[];
  variables: Record<string, unknown>;
  tasks: Record<string, TaskState>;
};

function applyMove(state: FoldedRun, m: Move): void {
  for (const p of m.consumed ?? []) state.marking[p] = (state.marking[p] ?? 0) - 1;
  for (const p of m.resets ?? []) state.marking[p] = 0;
  for (const p of m.produced ?? []) state.marking[p] = (state.marking[p] ?? 0) + 1;
  if (m.set) state.variables = { ...state.variables, ...m.set };
}

/** Applies one event to a state (what fold() and the engine's own bookkeeping share). */
export function applyEvent(state: FoldedRun, e: EngineEvent): void {
  switch (e.type) {
    case "RunStarted":
      state.marking = [...e.marking];
      applyMove(state, e);
      break;
    case "TransitionFired":
      applyMove(state, e);
      break;
    case "NodeScheduled":
      for (const p of e.consumeOnFire ? [] : e.consumed) state.marking[p] = (state.marking[p] ?? 0) - 1;
      state.tasks[e.taskId] = { status: e.kind === "activity" || e.kind === "timer" || e.kind === "compensation" ? "ready" : "waiting", attempt: 0 };
      break;
    case "TaskStarted":
      state.tasks[e.taskId] = { status: "leased", attempt: e.attempt };
      break;
    case "TaskHeartbeat":
      break;
    case "TaskCompleted":
    case "TimerFired":
    case "SignalReceived":
      applyMove(state, e);
      state.tasks[e.taskId] = { status: "done", attempt: state.tasks[e.taskId]?.attempt ?? 0 };
      break;
    case "TaskFailed":
      if (e.final) state.tasks[e.taskId] = { status: "failed", attempt: e.attempt };
      break;
    case "RetryScheduled":
    case "TaskLeaseExpired":
      state.tasks[e.taskId] = { status: "ready", attempt: e.attempt };
      break;
    case "ErrorRouted":
      applyMove(state, e);
      break;
    case "TasksWithdrawn":
      for (const id of e.taskIds) state.tasks[id] = { status: "cancelled", attempt: state.tasks[id]?.attempt ?? 0 };
      break;
    case "RunPaused":
      state.status = "paused";
      break;
    case "RunResumed":
      state.status = "running";
      break;
    case "RunCompleted":
      state.status = "completed";
      break;
    case "RunFailed":
      state.status = "failed";
      break;
    case "RunCancelled":
      state.status = "cancelled";
      break;
    case "RunReopened":
      state.status = "running";
      applyMove(state, { produced: e.produced });
      break;
  }
}

/** Rebuilds a run's state from its history. */
export function fold(events: EngineEvent[]): FoldedRun {
  const state: FoldedRun = { status: "running", marking: [], variables: {}, tasks: {} };
  for (const e of events) applyEvent(state, e);
  return state;
}
