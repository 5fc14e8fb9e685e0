/** The worker loop in a real server process (real clock): cancellation, restarts, shutdown. */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { wf } from "../../lib/petri/fixtures/build";
import { makeUser } from "../../prisma/seed/factories";
import { createLogger } from "../observability/logger";
import { startPetrel, type PetrelServer } from "../server";
import type { Actor } from "../services/deps";
import { cancelRun } from "../services/runs/operate-run";
import { startRun } from "../services/runs/start-run";
import { createWorkflow } from "../services/workflows/create-workflow";
import { publishWorkflow } from "../services/workflows/publish-workflow";
import { createPostgresDatabase, DATABASE_KINDS, testConfig } from "../testing/databases";
import { META } from "../testing/engine";
import { readHistory } from "./history";

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(DATABASE_KINDS)("worker loop on %s", (kind) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  async function boot(env: Record<string, string>) {
    const server = await startPetrel({ config: { ...testConfig({ HOST: "127.0.0.1", ...env }), port: 0 }, log: createLogger("silent"), next: false });
    return server;
  }

  async function setup(): Promise<{ env: Record<string, string>; server: PetrelServer; actor: Actor }> {
    const env: Record<string, string> = {};
    if (kind === "postgresql") {
      const db = await createPostgresDatabase();
      env.DATABASE_URL = db.url;
      cleanups.push(db.drop);
    } else {
      const dir = mkdtempSync(path.join(os.tmpdir(), "petrel-worker-"));
      env.PETREL_DATA_DIR = dir;
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    }
    const server = await boot(env);
    const admin = await makeUser(server.deps, { email: "w@example.com", name: "W", role: "admin", password: "worker-password-1" });
    return { env, server, actor: { type: "user", userId: admin.id, email: admin.email, role: "admin" } };
  }

  it("a running plugin sees the abort within a second of the run being cancelled", async () => {
    const { server, actor } = await setup();
    let abortedAt = 0;
    let started = false;
    server.deps.plugins.register({
      type: "wait-for-abort",
      title: "t",
      description: "t",
      configSchema: z.looseObject({}),
      execute: (ctx) =>
        new Promise((_, reject) => {
          started = true;
          ctx.signal.addEventListener("abort", () => {
            abortedAt = Date.now();
            reject(new Error("aborted"));
          });
        }),
    });
    const w = await createWorkflow(server.deps, actor, META, { name: "Long", graph: wf("s:start a:task e:end", "s>a a>e", { config: { a: { type: "wait-for-abort" } } }) });
    await publishWorkflow(server.deps, actor, META, { workflowId: w.id });
    const { runId } = await startRun(server.deps, actor, META, { workflowId: w.id });
    await until("the plugin to start", async () => started);
    const cancelledAt = Date.now();
    await cancelRun(server.deps, actor, META, { runId });
    const within = await Promise.race([until("the abort", async () => abortedAt > 0).then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 1000))]);
    expect(within).toBe(true);
    expect(abortedAt).toBeGreaterThanOrEqual(cancelledAt);
    // The withdrawn task has left the table of open work; history says it was withdrawn.
    expect(await server.deps.prisma.task.count({ where: { runId } })).toBe(0);
    const withdrawn = (await readHistory(server.deps.prisma, runId)).find((e) => e.type === "TasksWithdrawn");
    expect(withdrawn?.payload).toMatchObject({ reason: "the run was cancelled" });
    await server.stop();
  });

  it("a durable timer fires after a restart", async () => {
    const { env, server, actor } = await setup();
    const w = await createWorkflow(server.deps, actor, META, { name: "Timer", graph: wf("s:start t:timer e:end", "s>t t>e", { config: { t: { duration: "PT2S" } } }) });
    await publishWorkflow(server.deps, actor, META, { workflowId: w.id });
    const { runId } = await startRun(server.deps, actor, META, { workflowId: w.id });
    await server.stop();
    await new Promise((r) => setTimeout(r, 2500)); // the timer falls due while no process runs
    const again = await boot(env);
    const done = await until("the run to complete", async () => (await again.deps.prisma.run.findUniqueOrThrow({ where: { id: runId } })).status === "completed", 8000);
    expect(done).toBe(true);
    await again.stop();
  });
});
