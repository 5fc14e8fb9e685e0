import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { z } from "zod";
import { wf } from "../../lib/petri/fixtures/build";
import { DATABASE_KINDS } from "../testing/databases";
import { engineFixture, META, type EngineFixture } from "../testing/engine";
import { Worker } from "./worker";
import { claimTasks, completeAndClaim, completeTask, completeTasks, queryRun, reapExpiredLeases, replayRun, signalRun } from "./engine";
import { readHistory } from "./history";
import { cancelRun, decideApproval, pauseRun, resumeRun } from "../services/runs/operate-run";
import { startRun } from "../services/runs/start-run";
import { publishWorkflow } from "../services/workflows/publish-workflow";
import { deleteWorkflow } from "../services/workflows/share-workflow";
import { verifyAuditChain } from "../services/audit-log/read-audit";
import { rejectsWithAppError } from "../testing/errors";

const task = (type: string, extra: Record<string, unknown> = {}) => ({ type, ...extra });

/** A fresh engine on `kind` for one describe block; after each test every run must replay. */
function useEngine(kind: (typeof DATABASE_KINDS)[number]): () => EngineFixture {
  let f: EngineFixture;
  beforeAll(async () => {
    f = await engineFixture(kind);
  });
  afterAll(() => f.close());
  afterEach(async () => {
    await f.expectReplayable();
  });
  return () => f;
}

const rejects = rejectsWithAppError;

describe.each(DATABASE_KINDS)("engine on %s", (kind) => {
  const fx = useEngine(kind);
  let f: EngineFixture;
  beforeAll(() => {
    f = fx();
  });

  it("runs a sequence to completion; history is numbered without gaps and folds to the stored state", async () => {
    const runId = await f.start(wf("s:start a:task b:task e:end", "s>a a>b b>e", { config: { a: task("transform", { set: { doubled: "=x * 2" } }) }, outputs: { a: ["doubled"] }, input: ["x"] }), { x: 21 });
    expect(await f.status(runId)).toBe("running");
    await f.drain();
    expect(await f.status(runId)).toBe("completed");
    expect(await f.types(runId)).toEqual([
      "RunStarted", "TransitionFired", "NodeScheduled",
      "TaskStarted", "TaskCompleted", "NodeScheduled",
      "TaskStarted", "TaskCompleted", "TransitionFired", "RunCompleted",
    ]);
    const run = await f.deps.prisma.run.findUniqueOrThrow({ where: { id: runId } });
    expect(run.variables).toEqual({ x: 21, doubled: 42 });
    const all = await readHistory(f.deps.prisma, runId);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    // Pages may start and end inside a write's batch of events.
    const batches = await f.deps.prisma.runEventBatch.findMany({ where: { runId } });
    expect(batches.some((b) => b.lastSeq > b.firstSeq)).toBe(true);
    for (let after = 0; after < all.length; after++) {
      expect(await readHistory(f.deps.prisma, runId, { afterSeq: after, limit: 2 })).toEqual(all.slice(after, after + 2));
    }
  });

  it("routes exclusive splits by condition and synchronises parallel branches", async () => {
    const g = wf("s:start x:exclusive-split big:task small:task m:exclusive-merge f:parallel-split p:task q:task j:parallel-join e:end", "s>x x>big?x_>_10 x>small! big>m small>m m>f f>p f>q p>j q>j j>e", { input: ["x"] });
    const a = await f.start(g, { x: 50 });
    const b = await f.start(g, { x: 1 });
    await f.drain();
    expect([await f.status(a), await f.status(b)]).toEqual(["completed", "completed"]);
    const nodes = async (r: string) => (await f.tasks(r)).map((t) => `${t.nodeId}:${t.status}`).sort();
    expect(await nodes(a)).toEqual(["big:done", "p:done", "q:done"]);
    expect(await nodes(b)).toEqual(["p:done", "q:done", "small:done"]);
    // The tasks table holds open work only: a task leaves it when it closes.
    expect(await f.deps.prisma.task.count({ where: { runId: { in: [a, b] } } })).toBe(0);
  });

  it("retries with exponential backoff on the injected clock, then succeeds", async () => {
    const runId = await f.start(wf("s:start a:task e:end", "s>a a>e", { config: { a: task("fail", { times: 2 }) } }));
    const g = await f.deps.prisma.workflowVersion.findFirstOrThrow({ where: { runs: { some: { id: runId } } } });
    expect(g.version).toBe(1);
    await f.drain();
    let t = await f.deps.prisma.task.findFirstOrThrow({ where: { runId } });
    expect([t.status, t.attempt, t.runAt.getTime() - f.clock.now().getTime()]).toEqual(["ready", 1, 1000]);
    await f.drain();
    expect((await f.deps.prisma.task.findFirstOrThrow({ where: { runId } })).attempt).toBe(1); // not due yet
    f.clock.advance(1000);
    await f.drain();
    t = await f.deps.prisma.task.findFirstOrThrow({ where: { runId } });
    expect([t.status, t.attempt, t.runAt.getTime() - f.clock.now().getTime()]).toEqual(["ready", 2, 2000]);
    f.clock.advance(2000);
    await f.drain();
    expect(await f.status(runId)).toBe("completed");
    const retries = (await readHistory(f.deps.prisma, runId)).filter((e) => e.type === "RetryScheduled").map((e) => (e.payload as { attempt: number }).attempt);
    expect(retries).toEqual([1, 2]);
  });

  it("a non-retryable failure takes the error edge; without one the run fails", async () => {
    const routed = await f.start(wf("s:start a:task fix:task e:end", "s>a a>e a~>fix fix>e", { config: { a: task("fail", { errorType: "Bad", nonRetryable: true }) } }));
    const failed = await f.start(wf("s:start a:task e:end", "s>a a>e", { config: { a: task("fail", { errorType: "Bad", message: "nope", nonRetryable: true }) } }));
    await f.drain();
    expect(await f.status(routed)).toBe("completed");
    expect(await f.types(routed)).toContain("ErrorRouted");
    const run = await f.deps.prisma.run.findUniqueOrThrow({ where: { id: failed } });
    expect(run.status).toBe("failed");
    expect(run.error).toEqual({ type: "Bad", message: '"a" failed: nope', nonRetryable: true });
  });

  it("stops retrying after maxAttempts and for non-retryable error types", async () => {
    const runId = await f.start(wf("s:start a:task e:end", "s>a a>e", { config: { a: task("fail", { errorType: "Flaky" }) } }));
    await f.deps.prisma.$executeRaw`SELECT 1`;
    for (let i = 0; i < 6; i++) {
      await f.drain();
      f.clock.advance(60_000);
    }
    expect(await f.status(runId)).toBe("failed");
    expect((await f.tasks(runId)).map((t) => [t.status, t.attempt])).toEqual([["failed", 5]]);
  });

  it("durable timers fire when due and not before", async () => {
    const runId = await f.start(wf("s:start t:timer e:end", "s>t t>e", { config: { t: { duration: "PT10M" } } }));
    await f.drain();
    expect(await f.status(runId)).toBe("running");
    f.clock.advance(10 * 60_000 - 1);
    await f.drain();
    expect(await f.status(runId)).toBe("running");
    f.clock.advance(1);
    await f.drain();
    expect(await f.status(runId)).toBe("completed");
    expect(await f.types(runId)).toContain("TimerFired");
  });

  it("signals: delivered to a waiting node, kept in the inbox until one waits, refused when unknown", async () => {
    const g = wf("s:start a:task w:signal e:end", "s>a a>w w>e", { config: { w: { name: "go" } }, outputs: { w: ["answer"] } });
    const early = await f.start(g);
    // The signal arrives before the run reaches the wait: it waits in the inbox.
    expect((await signalRun(f.deps, { runId: early, name: "go", payload: { answer: 42 } })).delivered).toBe(false);
    await f.drain();
    expect(await f.status(early)).toBe("completed");
    expect((await f.deps.prisma.run.findUniqueOrThrow({ where: { id: early } })).variables).toEqual({ answer: 42 });

    const late = await f.start(g);
    await f.drain();
    expect(await f.status(late)).toBe("running");
    expect((await signalRun(f.deps, { runId: late, name: "go", payload: {} })).delivered).toBe(true);
    expect(await f.status(late)).toBe("completed");

    const unknownName = await rejects(signalRun(f.deps, { runId: late, name: "go", payload: {} }));
    expect(unknownName.code).toBe("CONFLICT");
    const other = await f.start(g);
    const wrong = await rejects(signalRun(f.deps, { runId: other, name: "stop", payload: {} }));
    expect(wrong.message).toBe('No step of this run waits for the signal "stop"; it waits for: go.');
    const missing = await rejects(signalRun(f.deps, { runId: "00000000-0000-0000-0000-000000000000", name: "go", payload: {} }));
    expect([missing.code, missing.message]).toEqual(["NOT_FOUND", "There is no run 00000000-0000-0000-0000-000000000000."]);
    await cancelRun(f.deps, f.actor, META, { runId: other });
  });

  it("event-based choice: the first event wins and the others are withdrawn", async () => {
    const g = wf("s:start c:event-choice w:signal t:timer a:task b:task m:exclusive-merge e:end", "s>c c>w c>t w>a t>b a>m b>m m>e", { config: { w: { name: "paid" }, t: { duration: "PT1H" } } });
    const bySignal = await f.start(g);
    const byTimer = await f.start(g);
    await f.drain();
    await signalRun(f.deps, { runId: bySignal, name: "paid", payload: {} });
    f.clock.advance(3600_000);
    await f.drain();
    expect([await f.status(bySignal), await f.status(byTimer)]).toEqual(["completed", "completed"]);
    const kinds = async (r: string) => (await f.tasks(r)).map((t) => `${t.nodeId}:${t.status}`).sort();
    expect(await kinds(bySignal)).toEqual(["a:done", "t:cancelled", "w:done"]);
    expect(await kinds(byTimer)).toEqual(["b:done", "t:done", "w:cancelled"]);
  });

  it("a worker whose lease expired can never complete; the reaper returns the task and records it", async () => {
    const runId = await f.start(wf("s:start a:task e:end", "s>a a>e", { config: { a: task("noop") } }));
    const [claimed] = await claimTasks(f.deps, "crashed-worker", 10);
    expect(claimed!.runId).toBe(runId);
    f.clock.advance(60_001); // past the default start-to-close lease
    expect(await completeTask(f.deps, { taskId: claimed!.id, worker: "crashed-worker", attempt: 1, output: {} })).toBe(false);
    await f.drain();
    expect(await f.status(runId)).toBe("completed");
    const types = await f.types(runId);
    expect(types.filter((t) => t === "TaskLeaseExpired")).toHaveLength(1);
    expect(types.filter((t) => t === "TaskCompleted")).toHaveLength(1);
  });

  it("batched optimistic completions: parallel branches of one run in one batch, a run that moved since the read, a lost lease", async () => {
    const g = wf("s:start f:parallel-split p:task q:task r:task j:parallel-join e:end", "s>f f>p f>q f>r p>j q>j r>j j>e", { config: { p: task("noop"), q: task("noop"), r: task("noop") } });
    const runId = await f.start(g);
    const claimed = await claimTasks(f.deps, "w1", 10);
    expect(claimed.map((c) => c.nodeId).sort()).toEqual(["p", "q", "r"]);
    const [p, q, r] = ["p", "q", "r"].map((n) => claimed.find((c) => c.nodeId === n)!);
    const done = (c: typeof p) => ({ taskId: c!.id, worker: "w1", attempt: c!.attempt, runId: c!.runId, output: {} });
    // Two branches of the same run in one batch, plus a completion from a worker that never held the lease.
    expect(await completeTasks(f.deps, [done(p), done(q), { ...done(r), worker: "someone-else" }])).toEqual([true, true, false]);
    expect(await f.status(runId)).toBe("running");
    // Between the read and the write, the reaper takes the lease of the other run's task: the
    // optimistic write must not apply to that run, and the locking path then refuses the completion.
    const short = wf("s:start a:task e:end", "s>a a>e", { config: { a: task("noop") } });
    short.nodes[1]!.timeouts = { startToCloseMs: 1000 };
    const moved = await f.start(short);
    const [a] = await claimTasks(f.deps, "w2", 10);
    expect(a!.runId).toBe(moved);
    const results = await completeTasks(f.deps, [done(r), { taskId: a!.id, worker: "w2", attempt: a!.attempt, runId: a!.runId, output: {} }], {
      afterRead: async () => {
        f.clock.advance(1001);
        expect(await reapExpiredLeases(f.deps)).toBe(1);
      },
    });
    expect(results).toEqual([true, false]);
    expect(await f.status(runId)).toBe("completed");
    expect((await f.types(moved)).filter((t) => t === "TaskCompleted")).toHaveLength(0);
    await f.drain();
    expect([await f.status(runId), await f.status(moved)]).toEqual(["completed", "completed"]);
    for (const id of [runId, moved]) expect((await f.types(id)).filter((t) => t === "TaskCompleted")).toHaveLength(id === runId ? 3 : 1);
  });

  it("completions play on the claim's snapshot of the run; a snapshot the run has moved past is read again", async () => {
    const g = wf("s:start f:parallel-split p:task q:task j:parallel-join e:end", "s>f f>p f>q p>j q>j j>e", { config: { p: task("noop"), q: task("noop") } });
    g.nodes.find((n) => n.id === "q")!.timeouts = { heartbeatMs: 5000, startToCloseMs: 60_000 };
    const runId = await f.start(g);
    // Two claims of one task each. A claim writes only its task row: the run does not move, and the
    // second snapshot sees the first lease.
    const before = (await f.deps.prisma.run.findUniqueOrThrow({ where: { id: runId } })).lastSeq;
    const claimedAt = f.clock.now().toISOString();
    const [first] = await claimTasks(f.deps, "w1", 1);
    const [second] = await claimTasks(f.deps, "w1", 1);
    expect(first!.snapshot?.open.find((t) => t.id === first!.id)).toMatchObject({ status: "leased", lease_owner: "w1", attempt: 1, start_logged: false });
    expect(second!.snapshot?.open.find((t) => t.id === first!.id)).toMatchObject({ status: "leased", lease_owner: "w1", attempt: 1 });
    expect([first!.snapshot!.last_seq, second!.snapshot!.last_seq]).toEqual([before, before]);
    expect((await f.deps.prisma.run.findUniqueOrThrow({ where: { id: runId } })).lastSeq).toBe(before);
    expect(await f.types(runId)).not.toContain("TaskStarted");
    expect((await replayRun(f.deps.prisma, runId)).differences).toEqual([]);
    const done = (c: typeof first) => ({ taskId: c!.id, worker: "w1", attempt: c!.attempt, runId: c!.runId, output: {}, snapshot: c!.snapshot });
    const hb = first!.nodeId === "q" ? first! : second!;
    const other = hb === first ? second! : first!;
    // A heartbeat extends q's lease beyond what its snapshot says; the completion must still hold.
    const { heartbeatTask } = await import("./engine");
    f.clock.advance(4000);
    expect(await heartbeatTask(f.deps, { taskId: hb.id, worker: "w1", attempt: 1, details: null })).toBe(true);
    f.clock.advance(4000);
    expect(await completeTasks(f.deps, [done(first)])).toEqual([true]);
    expect(await completeTasks(f.deps, [done(second)])).toEqual([true]);
    expect(await f.status(runId)).toBe("completed");
    expect((await f.types(runId)).filter((t) => t === "TaskCompleted")).toHaveLength(2);
    expect(other.snapshot).toBeDefined();
    // Each attempt's TaskStarted is appended by the first write about it (the heartbeat, or the
    // completion), once, with the time its lease was taken.
    for (const [c, after] of [[hb, "TaskHeartbeat"], [other, "TaskCompleted"]] as const) {
      const history = (await readHistory(f.deps.prisma, runId)).filter((e) => e.taskId === c.id);
      expect(history.map((e) => e.type)).toEqual(["NodeScheduled", "TaskStarted", ...(after === "TaskHeartbeat" ? ["TaskHeartbeat"] : []), "TaskCompleted"]);
      expect(history[1]!.payload).toMatchObject({ worker: "w1", attempt: 1, startedAt: claimedAt });
      expect(history[2]!.type).toBe(after);
    }
    // A snapshot of a task whose lease really lapsed still refuses the completion.
    const short = wf("s:start a:task e:end", "s>a a>e", { config: { a: task("noop") } });
    short.nodes[1]!.timeouts = { startToCloseMs: 1000 };
    const lapsed = await f.start(short);
    const [a] = await claimTasks(f.deps, "w2", 1);
    f.clock.advance(1001);
    expect(await reapExpiredLeases(f.deps)).toBe(1);
    expect(await completeTasks(f.deps, [{ taskId: a!.id, worker: "w2", attempt: a!.attempt, runId: lapsed, output: {}, snapshot: a!.snapshot }])).toEqual([false]);
    await f.drain();
    expect(await f.status(lapsed)).toBe("completed");
  });

  it("a completion starts the step it enabled at once and claims due work of other runs in the same statement", async () => {
    const seq = wf("s:start a:task b:task e:end", "s>a a>b b>e", { config: { a: task("noop"), b: task("noop") } });
    const runId = await f.start(seq);
    const [a] = await claimTasks(f.deps, "w1", 1);
    expect(a!.nodeId).toBe("a");
    // Another run's first step waits in the queue.
    const other = await f.start(wf("s:start x:task e:end", "s>x x>e", { config: { x: task("noop") } }));
    const done = (c: typeof a) => ({ taskId: c!.id, worker: "w1", attempt: c!.attempt, runId: c!.runId, output: {}, snapshot: c!.snapshot });
    const { results, claimed } = await completeAndClaim(f.deps, [done(a)], { worker: "w1", limit: 2 });
    expect(results).toEqual([true]);
    expect(claimed.map((c) => `${c.runId === runId ? "same" : c.runId === other ? "other" : "?"}:${c.nodeId}:${c.attempt}`).sort()).toEqual(["other:x:1", "same:b:1"]);
    const b = claimed.find((c) => c.nodeId === "b")!;
    const stored = await f.deps.prisma.task.findUniqueOrThrow({ where: { id: b.id } });
    expect(stored).toMatchObject({ status: "leased", leaseOwner: "w1", attempt: 1 });
    expect(stored.leaseExpiresAt!.getTime()).toBe(b.leaseExpiresAt.getTime());
    expect(stored).toMatchObject({ startLogged: false, leasedAt: f.clock.now() });
    // Its TaskStarted is appended when the attempt closes (below).
    const ofB = async () => (await readHistory(f.deps.prisma, runId)).filter((e) => e.taskId === b.id);
    expect((await ofB()).map((e) => e.type)).toEqual(["NodeScheduled"]);
    // The started step carries its run as the write left it: its completion needs no read.
    expect(b.snapshot!.last_seq).toBe((await f.deps.prisma.run.findUniqueOrThrow({ where: { id: runId } })).lastSeq);
    f.clock.advance(1500);
    const second = await completeAndClaim(f.deps, claimed.map(done), { worker: "w1", limit: 1 });
    expect(second.results).toEqual([true, true]);
    const history = await ofB();
    expect(history.map((e) => e.type)).toEqual(["NodeScheduled", "TaskStarted", "TaskCompleted"]);
    expect(history[1]!.payload).toMatchObject({ worker: "w1", attempt: 1, startedAt: stored.leasedAt!.toISOString() });
    expect(history[1]!.at.getTime() - stored.leasedAt!.getTime()).toBe(1500);
    expect(second.claimed).toEqual([]);
    expect([await f.status(runId), await f.status(other)]).toEqual(["completed", "completed"]);
    await f.expectReplayable();
    // Within its offer only: a completion that offers nothing starts nothing.
    const third = await f.start(seq);
    const [t1] = await claimTasks(f.deps, "w1", 1);
    expect((await completeAndClaim(f.deps, [done(t1)], null)).claimed).toEqual([]);
    expect((await f.deps.prisma.task.findFirstOrThrow({ where: { runId: third, nodeId: "b" } })).status).toBe("ready");
  });

  it("a start remembers its version and still starts the newest one and refuses a deleted workflow", async () => {
    const g = wf("s:start a:task e:end", "s>a a>e", { config: { a: task("noop") } });
    const { workflowId } = await f.publish(g);
    const first = await startRun(f.deps, f.actor, META, { workflowId });
    const second = await startRun(f.deps, f.actor, META, { workflowId }); // the one-statement path
    expect([first.version, second.version]).toEqual([1, 1]);
    const changed = structuredClone(g);
    changed.nodes[1]!.label = "Step A, version 2";
    expect((await publishWorkflow(f.deps, f.actor, META, { workflowId, graph: changed })).version).toBe(2);
    const third = await startRun(f.deps, f.actor, META, { workflowId });
    expect(third.version).toBe(2);
    const pinned = await startRun(f.deps, f.actor, META, { workflowId, version: 1 });
    expect((await startRun(f.deps, f.actor, META, { workflowId, version: 1 })).version).toBe(1);
    expect(pinned.version).toBe(1);
    const audits = await f.deps.prisma.auditLog.findMany({ where: { action: "run.start", targetId: { in: [first.runId, second.runId, third.runId] } } });
    expect(audits).toHaveLength(3);
    expect((await verifyAuditChain(f.deps.prisma)).ok).toBe(true);
    await deleteWorkflow(f.deps, f.actor, META, { workflowId });
    for (const version of [undefined, 1]) {
      const e = await rejects(startRun(f.deps, f.actor, META, { workflowId, version }));
      expect([e.code, e.message]).toEqual(["CONFLICT", `Workflow ${workflowId} was deleted; it starts no new runs.`]);
    }
    await f.drain();
    await f.expectReplayable();
  });

  it("a start wakes an idle worker through NOTIFY, a one-statement start too", async () => {
    const { Worker } = await import("./worker");
    const listener = new Worker(f.deps, { id: "listener", concurrency: 4, pollMs: 60_000, listen: f.db.listen });
    const { workflowId } = await f.publish(wf("s:start a:task e:end", "s>a a>e", { config: { a: task("noop") } }));
    await listener.start();
    try {
      await new Promise((r) => setTimeout(r, 300)); // it has looked at the queue and sleeps for a minute
      // One after the other, each found idle: the first start is transactional, the second one statement.
      for (const path of ["transaction", "one statement"]) {
        const { runId } = await startRun(f.deps, f.actor, META, { workflowId });
        const deadline = Date.now() + 5000;
        while ((await f.status(runId)) !== "completed") {
          if (Date.now() > deadline) throw new Error(`the worker was not woken by a start (${path})`);
          await new Promise((r) => setTimeout(r, 20));
        }
        await new Promise((r) => setTimeout(r, 200)); // asleep again
      }
    } finally {
      await listener.stop();
    }
  });

  it("the hot path NOTIFYs a run's watchers after its writes commit", async () => {
    const { Worker } = await import("./worker");
    const { RUN_EVENTS_CHANNEL } = await import("./live");
    const { workflowId } = await f.publish(wf("s:start a:task b:task e:end", "s>a a>b b>e", { config: { a: task("noop"), b: task("noop") } }));
    // What a listener reads when told about the run: the notification must come after the commit.
    const seen: Array<{ lastSeq: number; status: string }> = [];
    let runId = "";
    const unlisten = await f.db.listen(RUN_EVENTS_CHANNEL, (payload) => {
      if (!payload.split(",").includes(runId)) return;
      void f.deps.prisma.run.findUnique({ where: { id: runId }, select: { lastSeq: true, status: true } }).then((r) => r && seen.push(r));
    });
    const worker = new Worker(f.deps, { id: "notify-worker", concurrency: 4, pollMs: 60_000, listen: f.db.listen });
    await worker.start();
    try {
      ({ runId } = await startRun(f.deps, f.actor, META, { workflowId }));
      const deadline = Date.now() + 5000;
      while (!seen.some((r) => r.status === "completed")) {
        if (Date.now() > deadline) throw new Error(`the watcher was not told the run completed (saw ${JSON.stringify(seen)})`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const stored = await f.deps.prisma.run.findUniqueOrThrow({ where: { id: runId } });
      expect(seen.at(-1)).toEqual({ lastSeq: stored.lastSeq, status: "completed" });
    } finally {
      await worker.stop();
      await unlisten();
    }
  });

  it("heartbeats extend the lease; a missed heartbeat lets it lapse", async () => {
    const g = wf("s:start a:task e:end", "s>a a>e", { config: { a: task("noop") } });
    g.nodes[1]!.timeouts = { heartbeatMs: 5000, startToCloseMs: 60_000 };
    const runId = await f.start(g);
    const [c] = await claimTasks(f.deps, "hb-worker", 10);
    expect(c!.leaseExpiresAt.getTime() - f.clock.now().getTime()).toBe(5000);
    const { heartbeatTask } = await import("./engine");
    f.clock.advance(4000);
    expect(await heartbeatTask(f.deps, { taskId: c!.id, worker: "hb-worker", attempt: 1, details: { progress: 0.5 } })).toBe(true);
    f.clock.advance(4000);
    expect(await completeTask(f.deps, { taskId: c!.id, worker: "hb-worker", attempt: 1, output: {} })).toBe(true);
    expect(await f.status(runId)).toBe("completed");
    expect(await f.types(runId)).toContain("TaskHeartbeat");
  });

  it("pause holds the run's tasks; resume releases them", async () => {
    const runId = await f.start(wf("s:start a:task e:end", "s>a a>e", { config: { a: task("noop") } }));
    await pauseRun(f.deps, f.actor, META, runId);
    await f.drain();
    expect(await f.status(runId)).toBe("paused");
    await resumeRun(f.deps, f.actor, META, runId);
    await f.drain();
    expect(await f.status(runId)).toBe("completed");
    expect(await f.deps.prisma.auditLog.count({ where: { targetId: runId, action: { in: ["run.pause", "run.resume", "run.start"] } } })).toBe(3);
  });

  it("queries a running run: marking, variables, pending nodes", async () => {
    const runId = await f.start(wf("s:start f:parallel-split a:signal b:signal j:parallel-join e:end", "s>f f>a f>b a>j b>j j>e", { config: { a: { name: "A" }, b: { name: "B" } } }));
    await signalRun(f.deps, { runId, name: "A", payload: {} });
    const q = await queryRun(f.deps, runId);
    expect(q.status).toBe("running");
    expect(q.pending.map((p) => [p.nodeId, p.kind, p.status])).toEqual([["b", "signal", "waiting"]]);
    expect(q.marking.map((m) => m.edgeId)).toEqual(["e4"]);
    await cancelRun(f.deps, f.actor, META, { runId });
    expect(await f.status(runId)).toBe("cancelled");
  });

  it("approvals: a decision completes the human task and sets the outcome", async () => {
    const g = wf("s:start ok:approval x:exclusive-split yes:task no:task m:exclusive-merge e:end", "s>ok ok>x x>yes?approved x>no! yes>m no>m m>e", { outputs: { ok: ["approved"] } });
    const runId = await f.start(g);
    await decideApproval(f.deps, f.actor, META, { runId, nodeId: "ok", decision: "approve", comment: "fine" });
    await f.drain();
    expect(await f.status(runId)).toBe("completed");
    expect((await f.tasks(runId)).filter((t) => t.nodeId === "yes").length).toBe(1);
    expect(await f.deps.prisma.auditLog.count({ where: { action: "run.approval", targetId: runId } })).toBe(1);
  });

  it("sub-workflows: the parent waits for the child pinned to a version; cancelling the parent cancels the child", async () => {
    await f.publish(wf("s:start c1:task e:end", "s>c1 c1>e", { config: { c1: task("transform", { set: { fromChild: "=7" } }) }, outputs: { c1: ["fromChild"] } }), "child-flow");
    const parentGraph = wf("s:start sub:sub-workflow after:task e:end", "s>sub sub>after after>e", { config: { sub: { workflow: "child-flow", version: 1 } }, outputs: { sub: ["fromChild"] } });
    const runId = await f.start(parentGraph);
    const child = await f.deps.prisma.run.findFirstOrThrow({ where: { parentRunId: runId } });
    expect(child.status).toBe("running");
    await f.drain();
    expect([await f.status(child.id), await f.status(runId)]).toEqual(["completed", "completed"]);
    expect((await f.deps.prisma.run.findUniqueOrThrow({ where: { id: runId } })).variables).toEqual({ fromChild: 7 });

    const waitingChild = await f.publish(wf("s:start w:signal e:end", "s>w w>e", { config: { w: { name: "never" } } }), "child-waits");
    expect(waitingChild.version).toBe(1);
    const p2 = await f.start(wf("s:start sub:sub-workflow e:end", "s>sub sub>e", { config: { sub: { workflow: "child-waits" } } }));
    const c2 = await f.deps.prisma.run.findFirstOrThrow({ where: { parentRunId: p2 } });
    await cancelRun(f.deps, f.actor, META, { runId: p2 });
    expect([await f.status(p2), await f.status(c2.id)]).toEqual(["cancelled", "cancelled"]);
  });

  it("for-each runs one instance per item, in parallel with a cap or in sequence", async () => {
    for (const mode of ["parallel", "sequential"] as const) {
      const g = wf("s:start fe:for-each e:end", "s>fe fe>e", { input: ["items"], outputs: { fe: ["results"] }, config: { fe: { items: "=items", mode, concurrency: 2, task: { type: "transform", set: { sq: "=item * item" } } } } });
      g.input!.items = { type: "array" };
      const runId = await f.start(g, { items: [1, 2, 3, 4] });
      await f.drain();
      expect(await f.status(runId)).toBe("completed");
      expect((await f.deps.prisma.run.findUniqueOrThrow({ where: { id: runId } })).variables).toMatchObject({ results: [{ sq: 1 }, { sq: 4 }, { sq: 9 }, { sq: 16 }] });
    }
  });

  it("refuses invalid input naming the fields", async () => {
    const { workflowId } = await f.publish(wf("s:start e:end", "s>e", { input: ["amount"] }));
    const e = await rejects(startRun(f.deps, f.actor, META, { workflowId, input: { amount: "lots", extra: 1 } }));
    expect(e.code).toBe("INVALID_INPUT");
    expect(e.message).toBe("Invalid input: input.amount must be a number; input.extra is not an input of this workflow (its inputs: amount)");
  });

  it("reports a plugin that throws a non-Error value properly", async () => {
    f.deps.plugins.register({ type: "throws-string", title: "t", description: "t", configSchema: (await import("zod")).z.looseObject({}), execute: async () => Promise.reject("just a string") });
    const runId = await f.start(wf("s:start a:task e:end", "s>a a>e", { config: { a: task("throws-string") } }));
    await f.drain();
    const t = await f.deps.prisma.task.findFirstOrThrow({ where: { runId } });
    expect(t.lastError).toEqual({ type: "NonErrorThrown", message: 'The plugin threw a non-Error value: just a string', nonRetryable: false, details: { valueType: "string" } });
    await cancelRun(f.deps, f.actor, META, { runId });
  });

  it("script sandbox: escapes, endless loops and runaway memory fail the node with a clear error", async () => {
    const cases: Array<[string, string]> = [
      ["return typeof process + ',' + typeof require + ',' + typeof globalThis.process", "undefined,undefined,undefined"],
    ];
    const ok = await f.start(wf("s:start a:task e:end", "s>a a>e", { config: { a: task("script", { source: cases[0]![0] }) }, outputs: { a: ["v"] } }));
    await f.drain();
    expect(await f.status(ok)).toBe("completed");
    const hostile: Array<[string, string]> = [
      ["while (true) {}", "ScriptTimeout"],
      ["let a = []; while (true) a.push(new Array(100000).fill(1));", "ScriptOutOfMemory"],
      ["require('fs')", "ScriptError"],
      ["return process.exit(1)", "ScriptError"],
    ];
    for (const [source, type] of hostile) {
      const runId = await f.start(wf("s:start a:task e:end", "s>a a>e", { config: { a: task("script", { source, timeoutMs: 200, memoryMb: 8 }) } }));
      await f.drain();
      const run = await f.deps.prisma.run.findUniqueOrThrow({ where: { id: runId } });
      expect(run.status, source).toBe("failed");
      expect((run.error as { type: string }).type, source).toBe(type);
    }
  });
});

describe.each(DATABASE_KINDS)("saga compensation on %s", (kind) => {
  const fx = useEngine(kind);
  let f: EngineFixture;
  beforeAll(() => {
    f = fx();
  });

  const graph = (failing: boolean) => {
    const g = wf(
      "s:start a:task b:task c:task e:end undoA:task undoB:task",
      "s>a a>b b>c c>e",
      { config: { c: failing ? { type: "fail", errorType: "Boom", nonRetryable: true } : { type: "noop" }, undoA: { type: "noop" }, undoB: { type: "noop" } } },
    );
    g.nodes.find((n) => n.id === "a")!.compensate = "undoA";
    g.nodes.find((n) => n.id === "b")!.compensate = "undoB";
    return g;
  };

  it("undoes completed steps in reverse order when the run fails", async () => {
    const runId = await f.start(graph(true));
    await f.drain();
    expect(await f.status(runId)).toBe("failed");
    const events = (await readHistory(f.deps.prisma, runId)).filter((e) => e.type === "TaskCompleted");
    expect(events.map((e) => e.nodeId)).toEqual(["a", "b", "undoB", "undoA"]);
  });

  it("undoes completed steps when the run is cancelled, and not at all when it completes", async () => {
    const g = graph(false);
    g.nodes.find((n) => n.id === "c")!.kind = "signal";
    g.nodes.find((n) => n.id === "c")!.config = { name: "finish" };
    const runId = await f.start(g);
    await f.drain();
    await cancelRun(f.deps, f.actor, META, { runId });
    await f.drain();
    const done = (await readHistory(f.deps.prisma, runId)).filter((e) => e.type === "TaskCompleted");
    expect(done.map((e) => e.nodeId)).toEqual(["a", "b", "undoB", "undoA"]);
    const ok = await f.start(graph(false));
    await f.drain();
    expect(await f.status(ok)).toBe("completed");
    expect((await f.tasks(ok)).filter((t) => t.kind === "compensation")).toEqual([]);
  });
});

describe.each(DATABASE_KINDS)("timeouts and error types on %s", (kind) => {
  const fx = useEngine(kind);
  let f: EngineFixture;
  beforeAll(() => {
    f = fx();
  });

  it("schedule-to-close: no retry past the deadline", async () => {
    const g = wf("s:start a:task e:end", "s>a a>e", { config: { a: { type: "fail", errorType: "Flaky" } } });
    g.nodes[1]!.retry = { maxAttempts: 100, initialIntervalMs: 10_000, backoffCoefficient: 1 };
    g.nodes[1]!.timeouts = { scheduleToCloseMs: 25_000 };
    const runId = await f.start(g);
    await f.drain(); // attempt 1 fails, retry at +10 s
    f.clock.advance(10_000);
    await f.drain(); // attempt 2 fails, retry at +20 s
    f.clock.advance(10_000);
    await f.drain(); // attempt 3 fails; a retry at +30 s would pass the 25 s deadline
    const run = await f.deps.prisma.run.findUniqueOrThrow({ where: { id: runId } });
    expect(run.status).toBe("failed");
    expect((run.error as { type: string }).type).toBe("ScheduleToCloseTimeout");
    expect((await f.tasks(runId)).map((t) => [t.status, t.attempt])).toEqual([["failed", 3]]);
  });

  it("start-to-close: an attempt that outlives its lease counts as a failed attempt", async () => {
    const g = wf("s:start a:task e:end", "s>a a>e", { config: { a: { type: "noop" } } });
    g.nodes[1]!.retry = { maxAttempts: 1 };
    g.nodes[1]!.timeouts = { startToCloseMs: 5000 };
    const runId = await f.start(g);
    await claimTasks(f.deps, "slow-worker", 10);
    f.clock.advance(5000);
    await f.drain(); // the reaper finds the lapsed lease; no attempts left
    const run = await f.deps.prisma.run.findUniqueOrThrow({ where: { id: runId } });
    expect(run.status).toBe("failed");
    expect((run.error as { type: string }).type).toBe("StartToCloseTimeout");
  });

  it("non-retryable error types are not retried", async () => {
    const g = wf("s:start a:task e:end", "s>a a>e", { config: { a: { type: "fail", errorType: "Validation" } } });
    g.nodes[1]!.retry = { maxAttempts: 10, nonRetryableErrorTypes: ["Validation"] };
    const runId = await f.start(g);
    await f.drain();
    expect(await f.status(runId)).toBe("failed");
    expect((await f.tasks(runId)).map((t) => [t.status, t.attempt])).toEqual([["failed", 1]]);
  });

  it("run timeout: a run still going after runTimeoutMs fails", async () => {
    const g = wf("s:start w:signal e:end", "s>w w>e", { config: { w: { name: "never" } } });
    g.runTimeoutMs = 60_000;
    const runId = await f.start(g);
    f.clock.advance(59_999);
    await f.drain();
    expect(await f.status(runId)).toBe("running");
    f.clock.advance(1);
    await f.drain();
    const run = await f.deps.prisma.run.findUniqueOrThrow({ where: { id: runId } });
    expect([run.status, (run.error as { type: string }).type]).toEqual(["failed", "RunTimeout"]);
  });
});

describe("worker slots on postgresql", () => {
  const fx = useEngine("postgresql");

  it("a finished attempt frees its slot before its completion is written, and stop() waits for that write", async () => {
    const f = fx();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    f.deps.plugins.register({ type: "gated", title: "t", description: "t", configSchema: z.looseObject({}), execute: async () => (calls++ === 0 ? gate : undefined) });
    const g = wf("s:start a:task e:end", "s>a a>e", { config: { a: { type: "gated" } } });
    const first = await f.start(g);
    const worker = new Worker(f.deps, { id: "slots", concurrency: 1, pollMs: 50 });
    await worker.start();
    while (calls === 0) await new Promise((r) => setTimeout(r, 10));
    const second = await f.start(g);
    // Hold the first run's row: its completion cannot be written until this transaction ends.
    const lock = new pg.Client({ connectionString: f.url! });
    await lock.connect();
    await lock.query("BEGIN");
    await lock.query("SELECT 1 FROM runs WHERE id = $1 FOR UPDATE", [first]);
    release();
    while (worker.busy > 0) await new Promise((r) => setTimeout(r, 10)); // the plugin returned: its slot is free
    let stopped = false;
    const stopping = worker.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(stopped).toBe(false); // the completion is still in flight
    await lock.query("COMMIT");
    await lock.end();
    await stopping;
    expect(worker.stats.completed).toBe(1);
    expect(await f.status(first)).toBe("completed");
    // The second run's task, taken by the same statement while the worker was stopping, was given back.
    expect((await f.deps.prisma.task.findFirstOrThrow({ where: { runId: second } })).status).toBe("ready");
  });

  it("with many slots, the completions of attempts that finish in the same turn are written together", async () => {
    const f = fx();
    await f.drain(); // nothing else in the queue
    const g = wf("s:start a:task e:end", "s>a a>e", { config: { a: { type: "noop" } } });
    const runs = await Promise.all(Array.from({ length: 20 }, () => f.start(g)));
    const worker = new Worker(f.deps, { id: "gather", concurrency: 20, batchSize: 20, pollMs: 50 });
    await worker.start();
    while (worker.stats.completed < 20) await new Promise((r) => setTimeout(r, 10));
    await worker.stop();
    // One claim took the 20 tasks; their no-op plugins all returned in one turn: one write.
    expect(worker.stats.writes).toBe(1);
    for (const id of runs) expect(await f.status(id)).toBe("completed");
  });
});
