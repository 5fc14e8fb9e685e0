/**
 * Live runs in the browser: start the demo from the UI and watch it, approve its human task from
 * the inbox while the run page updates, re-run a failed run after fixing the step, and resume the
 * event stream after the connection dropped.
 */
import { expect, test, type APIRequestContext, type Page, type WebSocketRoute } from "@playwright/test";
import superjson from "superjson";
import { E2E_ADMIN, signIn } from "./fixtures";

test.use({ viewport: { width: 1500, height: 950 } });

async function api<T>(request: APIRequestContext, proc: string, input: unknown, kind: "query" | "mutation" = "mutation"): Promise<T> {
  const res =
    kind === "query"
      ? await request.get(`/api/trpc/${proc}?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`)
      : await request.post(`/api/trpc/${proc}`, { data: superjson.serialize(input) });
  expect(res.status(), await res.text()).toBe(200);
  return superjson.deserialize((await res.json()).result.data) as T;
}

async function apiAs(page: Page): Promise<APIRequestContext> {
  const request = page.context().request;
  await api(request, "auth.signIn", E2E_ADMIN);
  return request;
}

const runNode = (page: Page, id: string) => page.locator(`[data-testid="run-node"][data-node-id="${id}"]`);

async function historyMatches(page: Page, request: APIRequestContext, runId: string): Promise<void> {
  const run = await api<{ lastSeq: number }>(request, "run.get", { runId }, "query");
  await expect(page.getByTestId("run-page")).toHaveAttribute("data-last-seq", String(run.lastSeq));
  await expect(page.getByTestId("event-list")).toHaveAttribute("data-count", String(run.lastSeq));
}

/** A workflow graph: a start, the given steps one after another, an end. */
function line(steps: Array<{ id: string; label: string } & Record<string, unknown>>) {
  const nodes = [
    { id: "s", kind: "start", label: "Start", position: { x: 0, y: 0 } },
    ...steps.map((step, i) => ({ kind: "task", position: { x: 120 + 220 * i, y: -8 }, ...step })),
    { id: "e", kind: "end", label: "End", position: { x: 120 + 220 * steps.length, y: 0 } },
  ];
  return { petrel: 1, nodes, edges: nodes.slice(1).map((n, i) => ({ id: `${nodes[i]!.id}-${n.id}`, source: nodes[i]!.id, target: n.id, kind: "flow" })) };
}

/** Creates and publishes a workflow, then starts a run of it. */
async function startNew(request: APIRequestContext, name: string, graph: unknown): Promise<{ workflowId: string; runId: string }> {
  const w = await api<{ id: string }>(request, "workflow.create", { name, description: "", graph });
  await api(request, "workflow.publish", { workflowId: w.id });
  const { runId } = await api<{ runId: string }>(request, "run.start", { workflowId: w.id, input: {} });
  return { workflowId: w.id, runId };
}

/** Which edges of the run canvas show as taken (green). */
async function expectTaken(page: Page, edges: Record<string, boolean>) {
  for (const [id, taken] of Object.entries(edges)) {
    const path = page.getByTestId(`rf__edge-${id}`).locator("path.react-flow__edge-path");
    if (taken) await expect(path, `edge ${id} taken`).toHaveCSS("stroke", "rgb(63, 154, 93)");
    else await expect(path, `edge ${id} not taken`).not.toHaveCSS("stroke", "rgb(63, 154, 93)");
  }
}

test("[live] start the demo from the UI, watch it, approve its human task from the inbox, see it complete", async ({ page, context }) => {
  await signIn(page, E2E_ADMIN);
  // Publish the seeded demo.
  await page.getByTestId("workflow-link").filter({ hasText: "Expense approval" }).click();
  await expect(page.getByTestId("verify-status")).toHaveAttribute("data-status", "sound");
  await page.getByTestId("publish").click();
  await expect(page.getByTestId("publish-message")).toContainText(/Published version|already has/);

  await page.goto("/runs");
  await page.getByTestId("start-run").click();
  await page.getByLabel("Workflow").last().selectOption({ label: "Expense approval" });
  await page.getByLabel(/amount/).fill("900");
  await page.getByLabel(/employee/).fill("Ada");
  await page.getByTestId("start-run-submit").click();
  await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);
  const runId = page.url().split("/").pop()!;

  // The run reaches the approval and waits there; the token sits on the way in.
  await expect(runNode(page, "approve")).toHaveAttribute("data-state", "waiting");
  await expect(runNode(page, "route")).toHaveAttribute("data-state", "done");
  await expect(runNode(page, "auto")).toHaveAttribute("data-state", "pending");
  await expect(page.getByTestId("run-status")).toHaveText("running");
  await expect(page.getByTestId("timeline-bar").first()).toBeVisible();
  // The run's token sits on the waiting step.
  await expect(page.getByTestId("token")).toHaveCount(1);
  // The edges it took are green, the branch it did not take is not.
  await expectTaken(page, { e1: true, e2: true, e3: false, e4: false });

  // Approve it from the inbox in another tab; this page follows live.
  const inbox = await context.newPage();
  await inbox.goto("/tasks");
  const item = inbox.locator(`[data-testid="inbox-item"][data-run-id="${runId}"]`);
  await item.getByPlaceholder("Comment (optional)").fill("within budget");
  await item.getByTestId("approve").click();
  await expect(item).toHaveCount(0);

  await expect(page.getByTestId("run-status")).toHaveText("completed");
  await expect(runNode(page, "approve")).toHaveAttribute("data-state", "done");
  await expect(runNode(page, "pay")).toHaveAttribute("data-state", "done");
  await expect(runNode(page, "auto")).toHaveAttribute("data-state", "skipped");
  // At the end the token rests at the end.
  await expect(page.getByTestId("token")).toHaveCount(1);
  await expectTaken(page, { e1: true, e2: true, e3: false, e4: true, e5: false, e6: true, e7: true });
  const request = await apiAs(page);
  await historyMatches(page, request, runId);

  // The runs list finds it by its searchable input, and shows it completed.
  await page.goto("/runs?q=Ada");
  await expect(page.getByTestId("run-row")).toHaveCount(1);
  await expect(page.getByTestId("run-row")).toHaveAttribute("data-status", "completed");
});

test("[live] a failed run shows why; after fixing the step, re-run it from the failed step", async ({ page }) => {
  await signIn(page, E2E_ADMIN);
  const request = await apiAs(page);
  const { workflowId, runId } = await startNew(
    request,
    "Fragile sender",
    line([
      { id: "prepare", label: "Prepare", config: { type: "transform", set: { ready: "=true" } }, outputs: ["ready"] },
      { id: "send", label: "Send", config: { type: "fail", errorType: "Misconfigured", message: "the endpoint is wrong", nonRetryable: true } },
    ]),
  );

  await page.goto(`/runs/${runId}`);
  await expect(page.getByTestId("run-status")).toHaveText("failed");
  await expect(page.getByTestId("failure")).toContainText("Failed at “Send”");
  await expect(page.getByTestId("failure")).toContainText("Misconfigured");
  await expect(runNode(page, "send")).toHaveAttribute("data-state", "failed");
  await expect(runNode(page, "prepare")).toHaveAttribute("data-state", "done");
  await page.getByRole("button", { name: "Show the step" }).click();
  await expect(page.getByTestId("node-details")).toContainText("Misconfigured");
  await expect(page.getByTestId("node-input")).toContainText('"ready": true');

  // Fix the step in the designer and publish version 2.
  await page.goto(`/workflows/${workflowId}`);
  await page.locator('.react-flow__node[data-id="send"]').click();
  await page.getByLabel("Step type").selectOption("noop");
  await expect(page.getByTestId("save-status")).toHaveAttribute("data-status", "saved");
  await page.getByTestId("publish").click();
  await expect(page.getByTestId("publish-message")).toContainText("Published version 2");

  // Re-run the failed run from "send" on the latest version: a new run that completes.
  await page.goto(`/runs/${runId}`);
  await page.getByTestId("rerun-open").click();
  await page.getByTestId("rerun").click();
  await expect(page).not.toHaveURL(new RegExp(runId));
  await expect(page.getByTestId("run-status")).toHaveText("completed");
  await expect(runNode(page, "send")).toHaveAttribute("data-state", "done");
  await expect(runNode(page, "prepare")).toHaveAttribute("data-state", "skipped");
  await expect(page.getByTestId("variables")).toContainText('"ready": true');
});

test("[live] a step that takes a while shows running from its start (before its start is in history), then done", async ({ page }) => {
  await signIn(page, E2E_ADMIN);
  const request = await apiAs(page);
  const { runId } = await startNew(request, "Slow step", line([{ id: "slow", label: "Slow", config: { type: "delay", ms: 5000 } }]));
  await page.goto(`/runs/${runId}`);
  // A claim writes no history: the step shows running from the stream's report of its lease.
  await expect(runNode(page, "slow")).toHaveAttribute("data-state", "running");
  const history = await api<{ events: Array<{ type: string }> }>(request, "run.history", { runId, afterSeq: 0, limit: 100 }, "query");
  expect(history.events.map((e) => e.type)).not.toContain("TaskStarted");
  // When it finishes, TaskStarted and TaskCompleted arrive together; the page keeps one attempt.
  await expect(page.getByTestId("run-status")).toHaveText("completed", { timeout: 15_000 });
  await expect(runNode(page, "slow")).toHaveAttribute("data-state", "done");
  await historyMatches(page, request, runId);
  const after = await api<{ events: Array<{ type: string }> }>(request, "run.history", { runId, afterSeq: 0, limit: 100 }, "query");
  expect(after.events.map((e) => e.type).filter((t) => t === "TaskStarted")).toHaveLength(1);
});

test("[live] the event stream resumes after the connection dropped: no gap, no duplicate", async ({ page }) => {
  await signIn(page, E2E_ADMIN);
  const request = await apiAs(page);
  const graph = {
    petrel: 1,
    nodes: [
      { id: "s", kind: "start", position: { x: 0, y: 0 } },
      { id: "w1", kind: "signal", label: "First", position: { x: 120, y: -8 }, config: { name: "go" } },
      { id: "w2", kind: "signal", label: "Second", position: { x: 340, y: -8 }, config: { name: "go" } },
      { id: "e", kind: "end", position: { x: 560, y: 0 } },
    ],
    edges: [
      { id: "a", source: "s", target: "w1", kind: "flow" },
      { id: "b", source: "w1", target: "w2", kind: "flow" },
      { id: "c", source: "w2", target: "e", kind: "flow" },
    ],
  };
  const { runId } = await startNew(request, "Two signals", graph);
  // The page's WebSocket goes through the test, which can cut it and hold back what the page
  // sends after reconnecting (its re-subscription), so that events happen while it is away.
  let socket: WebSocketRoute | null = null;
  let hold = false;
  const held: Array<() => void> = [];
  await page.routeWebSocket(/\/api\/trpc-ws/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => (hold ? held.push(() => server.send(m)) : server.send(m)));
    socket = ws;
  });
  await page.goto(`/runs/${runId}`);
  await expect(runNode(page, "w1")).toHaveAttribute("data-state", "waiting");
  await historyMatches(page, request, runId);

  // The connection drops; the page reconnects, but its re-subscription is held back while the run moves on.
  hold = true;
  await (socket as WebSocketRoute | null)!.close({ code: 4000, reason: "dropped by the test" });
  await expect.poll(() => held.length, { timeout: 15_000 }).toBeGreaterThan(0);
  await api(request, "run.signal", { runId, name: "go", payload: { n: 1 } });
  await page.waitForTimeout(1000);
  await expect(runNode(page, "w1")).toHaveAttribute("data-state", "waiting"); // not seen yet
  hold = false;
  for (const send of held.splice(0)) send();
  await expect(runNode(page, "w1")).toHaveAttribute("data-state", "done");
  await api(request, "run.signal", { runId, name: "go", payload: { n: 2 } });
  await expect(page.getByTestId("run-status")).toHaveText("completed");
  await historyMatches(page, request, runId);
});
