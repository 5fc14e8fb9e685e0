/** Test support for the engine: publish and start workflows, drive a worker step by step. */
import { randomUUID } from "node:crypto";
import type { WorkflowGraph } from "../../lib/workflow/schema";
import { makeUser } from "../../prisma/seed/factories";
import { replayRun } from "../engine/engine";
import { fold } from "../engine/events";
import { readHistory } from "../engine/history";
import { Worker } from "../engine/worker";
import type { Actor, RequestMeta } from "../services/deps";
import { startRun } from "../services/runs/start-run";
import { createWorkflow } from "../services/workflows/create-workflow";
import { publishWorkflow } from "../services/workflows/publish-workflow";
import { openTestDatabase, type DatabaseKind, type TestDatabase } from "./databases";

export const META: RequestMeta = { requestId: "test", ip: "127.0.0.1", userAgent: "vitest" };

export type EngineFixture = TestDatabase & {
  actor: Actor;
  worker: Worker;
  publish(graph: WorkflowGraph, slug?: string): Promise<{ workflowId: string; versionId: string; version: number }>;
  start(graph: WorkflowGraph, input?: Record<string, unknown>): Promise<string>;
  /** Runs the worker until nothing is due (at the fake clock's time). */
  drain(): Promise<number>;
  types(runId: string): Promise<string[]>;
  /**
   * Every task the run ever had, as its history tells (the tasks table holds open ones only): its
   * node, kind, status and last attempt, in the order they were scheduled.
   */
  tasks(runId: string): Promise<Array<{ id: string; nodeId: string; kind: string; status: string; attempt: number }>>;
  status(runId: string): Promise<string>;
  /** Every run's state equals the fold of its history. */
  expectReplayable(): Promise<void>;
};

export async function engineFixture(kind: DatabaseKind): Promise<EngineFixture> {
  const t = await openTestDatabase(kind);
  const admin = await makeUser(t.deps, { email: "engine@example.com", name: "Engine", role: "admin", password: "engine-password-1" });
  const actor: Actor = { type: "user", userId: admin.id, email: admin.email, role: "admin" };
  const worker = new Worker(t.deps, { id: "test-worker", concurrency: 16 });
  const f: EngineFixture = {
    ...t,
    actor,
    worker,
    async publish(graph, slug) {
      const wf = await createWorkflow(t.deps, actor, META, { name: slug ?? `wf ${randomUUID().slice(0, 8)}`, graph, ...(slug ? { slug } : {}) });
      const v = await publishWorkflow(t.deps, actor, META, { workflowId: wf.id });
      return { workflowId: wf.id, versionId: v.id, version: v.version };
    },
    async start(graph, input = {}) {
      const { workflowId } = await f.publish(graph);
      return (await startRun(t.deps, actor, META, { workflowId, input })).runId;
    },
    async drain() {
      let total = 0;
      for (let i = 0; i < 200; i++) {
        const n = await worker.drainOnce();
        total += n;
        if (n === 0) break;
      }
      return total;
    },
    async types(runId) {
      return (await readHistory(t.deps.prisma, runId)).map((e) => e.type);
    },
    async tasks(runId) {
      const events = (await readHistory(t.deps.prisma, runId)).map((e) => e.payload);
      const folded = fold(events);
      return events.flatMap((e) => (e.type === "NodeScheduled" ? [{ id: e.taskId, nodeId: e.nodeId, kind: e.kind, status: folded.tasks[e.taskId]!.status, attempt: folded.tasks[e.taskId]!.attempt }] : []));
    },
    async status(runId) {
      return (await t.deps.prisma.run.findUniqueOrThrow({ where: { id: runId } })).status;
    },
    async expectReplayable() {
      const runs = await t.deps.prisma.run.findMany({ select: { id: true } });
      for (const r of runs) {
        const check = await replayRun(t.deps.prisma, r.id);
        if (!check.ok) throw new Error(`run ${r.id} does not replay: ${check.differences.join("; ")}`);
      }
    },
  };
  return f;
}
