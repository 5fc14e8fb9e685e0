import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wf } from "../../../lib/petri/fixtures/build";
import { readHistory } from "../../engine/history";
import { RunEventHub } from "../../engine/live";
import { DATABASE_KINDS } from "../../testing/databases";
import { engineFixture, META, type EngineFixture } from "../../testing/engine";
import { rejectsWithAppError } from "../../testing/errors";
import { createWorkflow } from "../workflows/create-workflow";
import { saveDraft } from "../workflows/drafts";
import { publishWorkflow } from "../workflows/publish-workflow";
import { decideApproval, rerunFrom, retryRun } from "./operate-run";
import { inbox, listRuns } from "./read-runs";
import { startRun } from "./start-run";
import { applyRunEvent, applyRunning, emptyRunView, foldRunView, nodeStates, RUNNING, type RunningAttempt } from "../../../lib/runs/run-view";
import { claimTasks, completeTasks } from "../../engine/engine";
import { watchRun, type LiveEvent } from "./watch-run";

const task = (type: string, extra: Record<string, unknown> = {}) => ({ type, ...extra });

describe.each(DATABASE_KINDS)("[live] run events, retry, re-run, inbox on %s", (kind) => {
  let f: EngineFixture;
  let hub: RunEventHub;
  beforeAll(async () => {
    f = await engineFixture(kind);
    hub = new RunEventHub();
    await hub.start(f.db.listen);
    f.deps.live = hub;
  });
  afterAll(async () => {
    await hub.stop();
    await f.expectReplayable();
    await f.close();
  });

  /** Collects what a watch yields until `until` holds or 10 s pass. */
  async function collect(runId: string, afterSeq: number, until: (events: LiveEvent[]) => boolean, during?: () => Promise<void>): Promise<LiveEvent[]> {
    const abort = new AbortController();
    const got: LiveEvent[] = [];
    const timer = setTimeout(() => abort.abort(), 10_000);
    const reading = (async () => {
      for await (const e of watchRun(f.deps, runId, afterSeq, abort.signal)) {
        got.push(e);
        if (until(got)) break;
      }
    })();
    await during?.();
    await reading;
    clearTimeout(timer);
    return got;
  }

  it("replays the history after afterSeq, then streams new events as they commit: no gap, no duplicate", async () => {
    const g = wf("s:start a:task b:task e:end", "s>a a>b b>e", { config: { a: task("noop"), b: task("noop") } });
    const runId = await f.start(g);
    const lastSeq = async () => (await f.deps.prisma.run.findUniqueOrThrow({ where: { id: runId } })).lastSeq;
    const before = await lastSeq();
    // Watch from the beginning while the worker drives the run to its end.
    const history_ = (ev: LiveEvent[]) => ev.filter((e) => e.type !== RUNNING);
    const all = history_(await collect(runId, 0, (ev) => ev.at(-1)?.type === "RunCompleted", () => f.drain().then(() => undefined)));
    expect(all.map((e) => e.seq)).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
    expect(all.length).toBe(await lastSeq());
    // Each event as the history shows it: the same fields and types.
    // Read straight from storage (one row per write, its events numbered from first_seq).
    const batches = await f.deps.prisma.runEventBatch.findMany({ where: { runId }, orderBy: { firstSeq: "asc" } });
    const history = batches.flatMap((b) =>
      (b.events as Array<Record<string, unknown>>).map((p, i) => ({ seq: b.firstSeq + i, type: p.type, nodeId: p.nodeId ?? null, taskId: p.taskId ?? null, attempt: p.attempt ?? null, payload: p, at: b.at })),
    );
    expect(batches.every((b) => b.lastSeq === b.firstSeq + (b.events as unknown[]).length - 1)).toBe(true);
    expect(batches.length).toBeLessThan(history.length); // a write that appends several events stores them together
    expect(all).toEqual(history);
    expect(all[0]!.at).toBeInstanceOf(Date);
    expect(all.length).toBeGreaterThan(before);
    // The page's fold of the stream agrees with the engine's stored state.
    const view = foldRunView(all);
    const run = await f.deps.prisma.run.findUniqueOrThrow({ where: { id: runId } });
    expect(view.status).toBe("completed");
    expect(view.marking).toEqual(run.marking);
    expect(view.variables).toEqual(run.variables);
    expect(Object.fromEntries(nodeStates(g, view))).toEqual({ s: "done", a: "done", b: "done", e: "done" });
    expect(view.nodes.get("a")!.attempts).toHaveLength(1);
    // A client resuming from any sequence number gets exactly the rest.
    const rest = history_(await collect(runId, 4, (ev) => history_(ev).length === all.length - 4));
    expect(rest.map((e) => e.seq)).toEqual(all.slice(4).map((e) => e.seq));
    await rejectsWithAppError(collect("00000000-0000-4000-8000-000000000000", 0, () => true));
  });

  it("reports running attempts whose TaskStarted is not in history yet; the page shows them running from their lease", async () => {
    const g = wf("s:start a:task e:end", "s>a a>e", { config: { a: task("noop") } });
    const runId = await f.start(g);
    const claimedAt = f.clock.now().toISOString();
    let claimed: Awaited<ReturnType<typeof claimTasks>> = [];
    // The claim writes no history: the watch reports the attempt as running.
    const got = await collect(runId, 0, (ev) => ev.some((e) => e.type === RUNNING && (e.payload as { tasks: unknown[] }).tasks.length > 0), async () => {
      await new Promise((r) => setTimeout(r, 50));
      claimed = await claimTasks(f.deps, "w1", 1);
    });
    const report = got.find((e) => e.type === RUNNING && (e.payload as { tasks: unknown[] }).tasks.length > 0)!;
    const tasks = (report.payload as { tasks: RunningAttempt[] }).tasks;
    expect(tasks).toEqual([{ taskId: claimed[0]!.id, nodeId: "a", attempt: 1, startedAt: claimedAt }]);
    expect(report.seq).toBe(got.filter((e) => e.type !== RUNNING).at(-1)!.seq);
    const view = emptyRunView();
    for (const e of got) if (e.type === RUNNING) applyRunning(view, (e.payload as { tasks: RunningAttempt[] }).tasks);
    else applyRunEvent(view, e);
    expect(nodeStates(g, view).get("a")).toBe("running");
    expect(view.nodes.get("a")!.attempts).toEqual([{ attempt: 1, taskId: claimed[0]!.id, start: Date.parse(claimedAt), end: null, outcome: "running" }]);
    // Its completion appends TaskStarted (with the lease's time) before TaskCompleted; the page keeps one attempt.
    f.clock.advance(2500);
    const c = claimed[0]!;
    expect(await completeTasks(f.deps, [{ taskId: c.id, worker: "w1", attempt: c.attempt, runId, output: {}, snapshot: c.snapshot }])).toEqual([true]);
    const rest = (await collect(runId, view.lastSeq, (ev) => ev.some((e) => e.type === "RunCompleted"))).filter((e) => e.type !== RUNNING);
    expect(rest.map((e) => e.type)).toEqual(["TaskStarted", "TaskCompleted", "TransitionFired", "RunCompleted"]);
    for (const e of rest) applyRunEvent(view, e);
    expect(view.nodes.get("a")!.attempts).toEqual([{ attempt: 1, taskId: c.id, start: Date.parse(claimedAt), end: Date.parse(claimedAt) + 2500, outcome: "done" }]);
    expect(nodeStates(g, view).get("a")).toBe("done");
  });

  it("retry: a failed run goes on from the failed step; re-run: a new run from a chosen step on the fixed latest version", async () => {
    const broken = wf("s:start a:task b:task e:end", "s>a a>b b>e", { config: { a: task("transform", { set: { x: "=1" } }), b: task("fail", { errorType: "Broken", nonRetryable: true }) }, outputs: { a: ["x"] } });
    const w = await createWorkflow(f.deps, f.actor, META, { name: "retry me", graph: broken });
    await publishWorkflow(f.deps, f.actor, META, { workflowId: w.id });
    const { runId } = await startRun(f.deps, f.actor, META, { workflowId: w.id });
    await f.drain();
    expect(await f.status(runId)).toBe("failed");

    // Retrying the same (still broken) version fails again, but the run went on from "b": "a" ran once.
    const retried = await retryRun(f.deps, f.actor, META, { runId });
    expect(retried.nodeIds).toEqual(["b"]);
    expect(await f.status(runId)).toBe("running");
    await f.drain();
    expect(await f.status(runId)).toBe("failed");
    const failedView = foldRunView(await readHistory(f.deps.prisma, runId));
    expect(nodeStates(broken, failedView).get("b")).toBe("failed");
    expect(failedView.nodes.get("b")!.attempts.map((x) => x.outcome)).toEqual(["failed", "failed"]);
    expect(failedView.nodes.get("b")!.error).toMatchObject({ type: "Broken" });
    expect(failedView.nodes.get("b")!.input).toMatchObject({ x: 1 });
    const tasks = await f.tasks(runId);
    expect(tasks.filter((t) => t.nodeId === "a")).toHaveLength(1);
    expect(tasks.filter((t) => t.nodeId === "b")).toHaveLength(2);
    expect(await f.deps.prisma.auditLog.count({ where: { targetId: runId, action: "run.retry" } })).toBe(1);

    // Fix "b", publish version 2, re-run from "b": the new run starts at "b" with x already set.
    const fixed = { ...broken, nodes: broken.nodes.map((n) => (n.id === "b" ? { ...n, config: task("noop") } : n)) };
    await saveDraft(f.deps, f.actor, META, { workflowId: w.id, revision: 1, graph: fixed });
    await publishWorkflow(f.deps, f.actor, META, { workflowId: w.id });
    const re = await rerunFrom(f.deps, f.actor, META, { runId, nodeId: "b", version: "latest" });
    expect(re.version).toBe(2);
    await f.drain();
    expect(await f.status(re.runId)).toBe("completed");
    const reTasks = await f.tasks(re.runId);
    expect(reTasks.map((t) => t.nodeId)).toEqual(["b"]);
    expect((await f.deps.prisma.run.findUniqueOrThrow({ where: { id: re.runId } })).variables).toMatchObject({ x: 1 });
    expect(await f.deps.prisma.auditLog.count({ where: { targetId: re.runId, action: "run.rerun" } })).toBe(1);

    await rejectsWithAppError(retryRun(f.deps, f.actor, META, { runId: re.runId }));
    await rejectsWithAppError(rerunFrom(f.deps, f.actor, META, { runId, nodeId: "nope" }));
  });

  it("lists runs by status, version, time and searchable input, with counts; the inbox lists waiting approvals", async () => {
    const g = wf("s:start h:approval e:end", "s>h h>e");
    g.input = { customer: { type: "string", searchable: true }, amount: { type: "number" } };
    const w = await createWorkflow(f.deps, f.actor, META, { name: "inbox", graph: g });
    await publishWorkflow(f.deps, f.actor, META, { workflowId: w.id });
    const a = (await startRun(f.deps, f.actor, META, { workflowId: w.id, input: { customer: "ACME", amount: 5 } })).runId;
    const b = (await startRun(f.deps, f.actor, META, { workflowId: w.id, input: { customer: "Globex", amount: 7 } })).runId;
    const list = await listRuns(f.deps, { workflowId: w.id });
    expect(list.runs.map((r) => r.id).sort()).toEqual([a, b].sort());
    expect(list.counts.running).toBe(2);
    expect((await listRuns(f.deps, { workflowId: w.id, q: "ACME" })).runs.map((r) => r.id)).toEqual([a]);
    // "amount" is not searchable: no match by its value.
    expect((await listRuns(f.deps, { workflowId: w.id, q: "7" })).runs).toEqual([]);
    expect((await listRuns(f.deps, { q: b.slice(0, 8) })).runs.map((r) => r.id)).toEqual([b]);
    expect((await listRuns(f.deps, { workflowId: w.id, version: 1, from: new Date(Date.now() + 86_400_000) })).runs).toEqual([]);
    const waiting = await inbox(f.deps);
    expect(waiting.filter((t) => [a, b].includes(t.runId)).map((t) => t.nodeId)).toEqual(["h", "h"]);
    await decideApproval(f.deps, f.actor, META, { runId: a, nodeId: "h", decision: "approve", comment: "fine" });
    expect((await inbox(f.deps)).some((t) => t.runId === a)).toBe(false);
    expect((await listRuns(f.deps, { workflowId: w.id })).counts).toMatchObject({ running: 1, completed: 1 });
  });
});
