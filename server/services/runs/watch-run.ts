/**
 * Live history of a run for subscriptions: first every event after `afterSeq`, then each new one
 * as it is committed — read from the table in sequence order, so nothing is skipped or repeated
 * (a reconnecting client resumes from the last sequence number it saw). Woken by the process's
 * RunEventHub (LISTEN/NOTIFY), with a slow poll as a safety net. Between events it also reports
 * the attempts that are running (RUNNING).
 */
import { AppError } from "../../../lib/errors";
import { RUNNING, type RunningAttempt } from "../../../lib/runs/run-view";
import { readHistory } from "../../engine/history";
import { Waker } from "../../engine/live";
import type { Principal } from "../../../lib/policy";
import { usableWorkflows } from "../access/workflow-access";
import type { ServiceDeps } from "../deps";

export type LiveEvent = { seq: number; type: string; nodeId: string | null; taskId: string | null; attempt: number | null; payload: unknown; at: Date };

const PAGE = 500;
/** Longest wait for a notification before looking anyway. */
const SAFETY_POLL_MS = 2000;

export async function* watchRun(deps: ServiceDeps, runId: string, afterSeq: number, signal?: AbortSignal): AsyncGenerator<LiveEvent> {
  if (!(await deps.prisma.run.findUnique({ where: { id: runId }, select: { id: true } }))) throw new AppError("NOT_FOUND", { message: `There is no run ${runId}.` });
  const waker = new Waker();
  const off = deps.live?.onRun(runId, () => waker.poke());
  let after = afterSeq;
  let running = "[]";
  try {
    while (!signal?.aborted) {
      const rows = await readHistory(deps.prisma, runId, { afterSeq: after, limit: PAGE });
      for (const r of rows) {
        yield r;
        after = r.seq;
      }
      if (rows.length === PAGE) continue;
      // Read after the events: an attempt that closed before them is no longer leased here.
      const leased = await deps.prisma.task.findMany({ where: { runId, status: "leased", startLogged: false }, orderBy: { id: "asc" }, select: { id: true, nodeId: true, attempt: true, leasedAt: true } });
      const tasks: RunningAttempt[] = leased.map((t) => ({ taskId: t.id, nodeId: t.nodeId, attempt: t.attempt, startedAt: (t.leasedAt ?? new Date()).toISOString() }));
      const now = JSON.stringify(tasks);
      if (now !== running) {
        running = now;
        yield { seq: after, type: RUNNING, nodeId: null, taskId: null, attempt: null, payload: { tasks }, at: new Date() };
      }
      await waker.wait(deps.live ? SAFETY_POLL_MS : 500, signal);
    }
  } finally {
    off?.();
  }
}

/** Ids of runs that changed, in batches (at most one batch per `intervalMs`): what the runs list refreshes on. */
export async function* watchRuns(deps: ServiceDeps, intervalMs: number, signal?: AbortSignal, principal?: Principal): AsyncGenerator<{ runIds: string[] }> {
  const changed = new Set<string>();
  const waker = new Waker();
  const off = deps.live?.onAny((runId) => {
    changed.add(runId);
    waker.poke();
  });
  try {
    while (!signal?.aborted) {
      await waker.wait(deps.live ? 30_000 : intervalMs, signal);
      if (signal?.aborted) return;
      if (changed.size) {
        let runIds = [...changed];
        changed.clear();
        // Only runs of workflows the watcher may see.
        if (principal && (principal.role !== "admin" || principal.token?.workflowId)) {
          const visible = await deps.prisma.run.findMany({ where: { id: { in: runIds }, version: { workflow: usableWorkflows(principal, "run.read") } }, select: { id: true } });
          runIds = visible.map((r) => r.id);
        }
        if (runIds.length) yield { runIds };
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  } finally {
    off?.();
  }
}
