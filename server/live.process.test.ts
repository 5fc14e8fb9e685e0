/**
 * Live fan-out across processes on PostgreSQL: two web processes (A and B, no workers) and one
 * worker process. A browser on A watches a run that was started and signalled through B and
 * executed by the worker: every event reaches it through LISTEN/NOTIFY, in order.
 * Needs the built web app (`npm test` builds first) and Chromium.
 */
import { spawn } from "node:child_process";
import { chromium, type Browser } from "@playwright/test";
import { afterAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, chromiumPath } from "../e2e/chromium";
import { createPostgresDatabase } from "./testing/databases";
import { TrpcHttp } from "./testing/http-client";
import { freePort, ROOT, spawnServer, waitForStart, type ServerProcess } from "./testing/process";

const children: Array<{ kill(signal?: NodeJS.Signals): boolean; exitCode: number | null }> = [];
let browser: Browser | null = null;
afterAll(async () => {
  await browser?.close();
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
});

const ADMIN = { email: "live@example.com", password: "live-password-1234" };

describe("live events across processes", () => {
  it("a browser on web process A sees the events of a run started through B and executed by a worker process", async () => {
    const db = await createPostgresDatabase();
    try {
      const env = { DATABASE_URL: db.url, PETREL_ADMIN_EMAIL: ADMIN.email, PETREL_ADMIN_PASSWORD: ADMIN.password, PETREL_WORKER_CONCURRENCY: "0" };
      const a: ServerProcess = spawnServer(env, await freePort());
      children.push(a.child);
      await waitForStart(a);
      const b: ServerProcess = spawnServer(env, await freePort());
      children.push(b.child);
      await waitForStart(b);
      const worker = spawn(process.execPath, ["--import", "tsx", "server/worker-main.ts"], { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: "warn" }, stdio: "ignore" });
      children.push(worker);

      const viaB = new TrpcHttp(b.url);
      expect((await viaB.mutate("auth.signIn", ADMIN)).status).toBe(200);
      const graph = {
        petrel: 1,
        nodes: [
          { id: "s", kind: "start", position: { x: 0, y: 0 } },
          { id: "wait", kind: "signal", label: "Wait", position: { x: 120, y: -8 }, config: { name: "go" } },
          { id: "work", kind: "task", label: "Work", position: { x: 340, y: -8 }, config: { type: "delay", ms: 200 } },
          { id: "e", kind: "end", position: { x: 560, y: 0 } },
        ],
        edges: [
          { id: "a", source: "s", target: "wait", kind: "flow" },
          { id: "b", source: "wait", target: "work", kind: "flow" },
          { id: "c", source: "work", target: "e", kind: "flow" },
        ],
      };
      const created = await viaB.mutate("workflow.create", { name: "Across processes", description: "", graph });
      const workflowId = (created.body.result!.data as { id: string }).id;
      expect((await viaB.mutate("workflow.publish", { workflowId })).status).toBe(200);
      const started = await viaB.mutate("run.start", { workflowId, input: {} });
      const runId = (started.body.result!.data as { runId: string }).runId;

      browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
      const page = await browser.newPage();
      await page.goto(`${a.url}/sign-in?next=/runs/${runId}`);
      await page.getByLabel("Email").fill(ADMIN.email);
      await page.getByLabel("Password").fill(ADMIN.password);
      await page.getByTestId("sign-in-submit").click();
      await page.waitForURL(new RegExp(`/runs/${runId}$`));
      await page.locator('[data-testid="run-node"][data-node-id="wait"][data-state="waiting"]').waitFor();

      // Through B: the signal. The worker process runs "Work"; A's page sees it all, live.
      expect((await viaB.mutate("run.signal", { runId, name: "go", payload: {} })).status).toBe(200);
      await page.locator('[data-testid="run-status"]', { hasText: "completed" }).waitFor({ timeout: 20_000 });
      expect(await page.locator('[data-testid="run-node"][data-node-id="work"]').getAttribute("data-state")).toBe("done");
      const run = await viaB.query("run.get", { runId });
      const lastSeq = (run.body.result!.data as { lastSeq: number }).lastSeq;
      expect(await page.getByTestId("run-page").getAttribute("data-last-seq")).toBe(String(lastSeq));
      // The history panel redraws at most four times a second: wait for it to show every event.
      await page.locator(`[data-testid="event-list"][data-count="${lastSeq}"]`).waitFor({ timeout: 5000 });
      expect(lastSeq).toBeGreaterThan(5);
    } finally {
      for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 500));
      await db.drop().catch(() => undefined);
    }
  }, 120_000);
});
