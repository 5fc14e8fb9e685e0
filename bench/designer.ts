/**
 * Designer benchmarks in real Chromium against the real server (JSON lines):
 * - time to open a 1,000-node workflow (navigation to nodes on screen and the first verdict);
 * - frames per second while dragging a node of a 1,000-node workflow (goal >= 30);
 * - time from an edit (a keystroke renaming a step) to the verifier's result on screen, for
 *   200 and 1,000 nodes: p50 and p95 (goal p95 < 100 ms).
 * The page measures with its own clock (performance.now, requestAnimationFrame, a
 * MutationObserver on the status chip), so Playwright's round trips are not counted.
 * Needs the web app built (`npm run build`, or `npm start` once). BENCH_SAMPLES (default 30).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type Page } from "@playwright/test";
import superjson from "superjson";
import { autoLayout } from "../components/designer/layout";
import { structuredWorkflow } from "../lib/petri/fixtures/generate";
import { moveNodes } from "../lib/workflow/edit";
import type { WorkflowGraph } from "../lib/workflow/schema";
import { CHROMIUM_ARGS, chromiumPath } from "../e2e/chromium";
import { median, percentile, report } from "./report";

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 30);
const PORT = 3290 + Math.floor(Math.random() * 500);
const BASE = `http://127.0.0.1:${PORT}`;
const ADMIN = { email: "bench@designer.petrel.test", password: "bench-designer-password" };
const round = (n: number) => Math.round(n * 10) / 10;
const say = (s: string) => process.stderr.write(`  ${s}\n`);

/** A structured workflow of about `nodes` nodes, laid out as the designer's auto-layout would. */
function workflowOf(nodes: number): WorkflowGraph {
  let tasks = Math.round(nodes / 1.6);
  let g = structuredWorkflow(tasks, 7);
  while (g.nodes.length < nodes) g = structuredWorkflow((tasks += Math.max(1, Math.round((nodes - g.nodes.length) / 2))), 7);
  return moveNodes(g, autoLayout(g));
}

async function trpc(cookie: string, proc: string, input: unknown): Promise<{ json: unknown; cookie: string }> {
  const res = await fetch(`${BASE}/api/trpc/${proc}`, { method: "POST", headers: { "content-type": "application/json", cookie }, body: JSON.stringify(superjson.serialize(input)) });
  if (!res.ok) throw new Error(`${proc}: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { result: { data: Parameters<typeof superjson.deserialize>[0] } };
  return { json: superjson.deserialize(body.result.data), cookie: res.headers.get("set-cookie")?.split(";")[0] ?? cookie };
}

async function startServer(dataDir: string): Promise<() => Promise<void>> {
  const build = spawnSync(process.execPath, ["--import", "tsx", "server/tools/ensure-build.ts"], { stdio: ["ignore", "ignore", "inherit"] });
  if (build.status !== 0) throw new Error("the web app could not be built");
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    env: { ...process.env, NODE_ENV: "production", PORT: String(PORT), HOST: "127.0.0.1", PETREL_DATA_DIR: dataDir, PETREL_ADMIN_EMAIL: ADMIN.email, PETREL_ADMIN_PASSWORD: ADMIN.password, LOG_LEVEL: "error", PETREL_WORKER_CONCURRENCY: "0" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  for (let i = 0; i < 600; i++) {
    const ok = await fetch(`${BASE}/api/ready`).then((r) => r.ok, () => false);
    if (ok) break;
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return () => new Promise<void>((resolve) => (child.once("exit", () => resolve()), child.kill("SIGTERM")));
}

/** Installs the page-side probes: edit->verdict latencies and a frame counter. */
async function probes(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __edits: number[]; __lat: number[]; __frames: number; __counting: boolean };
    w.__edits = [];
    w.__lat = [];
    w.__frames = 0;
    w.__counting = false;
    document.addEventListener("keydown", () => w.__edits.push(performance.now()), true);
    const chip = document.querySelector('[data-testid="verify-status"]')!;
    let last = chip.getAttribute("data-status");
    new MutationObserver(() => {
      const now = chip.getAttribute("data-status");
      if (last === "checking" && now !== "checking" && w.__edits.length) w.__lat.push(performance.now() - w.__edits.shift()!);
      last = now;
    }).observe(chip, { attributes: true, attributeFilter: ["data-status"] });
    const tick = () => {
      if (w.__counting) w.__frames++;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

async function openDesigner(page: Page, id: string): Promise<number> {
  const t0 = Date.now();
  await page.goto(`${BASE}/workflows/${id}`);
  await page.locator(".react-flow__node").first().waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid="verify-status"]')?.getAttribute("data-status") !== "checking", undefined, { timeout: 60_000 });
  return Date.now() - t0;
}

/** The task nearest the centre of the canvas (on screen, so rendered). */
async function centralTask(page: Page): Promise<string> {
  return page.evaluate(() => {
    const c = document.querySelector('[data-testid="canvas"]')!.getBoundingClientRect();
    let best = "";
    let bestD = Infinity;
    for (const el of document.querySelectorAll('.react-flow__node:has([data-kind="task"])')) {
      const r = el.getBoundingClientRect();
      const d = Math.hypot(r.x + r.width / 2 - (c.x + c.width / 2), r.y + r.height / 2 - (c.y + c.height / 2));
      if (d < bestD) [best, bestD] = [el.getAttribute("data-id")!, d];
    }
    return best;
  });
}

/** Renames a task one keystroke at a time; each keystroke is an edit that the verifier re-checks. */
async function editLatencies(page: Page, samples: number): Promise<number[]> {
  const taskId = await centralTask(page);
  await page.locator(`.react-flow__node[data-id="${taskId}"]`).click();
  const field = page.locator("#node-label");
  await field.click();
  await field.press("End");
  await page.evaluate(() => ((window as unknown as { __edits: number[]; __lat: number[] }).__edits = [], (window as unknown as { __lat: number[] }).__lat = []));
  for (let i = 0; i < samples; i++) {
    await page.keyboard.type(String.fromCharCode(97 + (i % 26)));
    await page.waitForFunction((n) => (window as unknown as { __lat: number[] }).__lat.length >= n, i + 1, { timeout: 10_000 });
    await page.waitForTimeout(40);
  }
  return page.evaluate(() => (window as unknown as { __lat: number[] }).__lat);
}

/** Drags one node around for about two seconds; returns the frames per second the page drew. */
async function dragFps(page: Page): Promise<number> {
  const nodeId = await centralTask(page);
  const box = (await page.locator(`.react-flow__node[data-id="${nodeId}"]`).boundingBox())!;
  const x0 = box.x + box.width / 2;
  const y0 = box.y + box.height / 2;
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  await page.evaluate(() => {
    const w = window as unknown as { __frames: number; __counting: boolean; __t0: number };
    w.__frames = 0;
    w.__counting = true;
    w.__t0 = performance.now();
  });
  for (let i = 1; i <= 120; i++) await page.mouse.move(x0 + 150 * Math.sin(i / 10), y0 + 100 * Math.cos(i / 10) - 100);
  const fps = await page.evaluate(() => {
    const w = window as unknown as { __frames: number; __counting: boolean; __t0: number };
    w.__counting = false;
    return (w.__frames / (performance.now() - w.__t0)) * 1000;
  });
  await page.mouse.up();
  return fps;
}

export async function designer(): Promise<void> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error("Chromium not found: apt-get install -y chromium (or set CHROMIUM_PATH)");
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "petrel-bench-designer-"));
  const stop = await startServer(dataDir);
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  try {
    const { cookie } = await trpc("", "auth.signIn", ADMIN);
    const ids: Record<number, { id: string; nodes: number }> = {};
    for (const size of [200, 1000]) {
      const graph = workflowOf(size);
      const { json } = await trpc(cookie, "workflow.create", { name: `Bench ${size} nodes`, description: "", graph });
      ids[size] = { id: (json as { id: string }).id, nodes: graph.nodes.length };
    }
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    await context.addCookies([{ name: cookie.split("=")[0]!, value: cookie.split("=").slice(1).join("="), url: BASE }]);
    // tsx keeps function names with a helper that functions sent to page.evaluate would miss.
    await context.addInitScript({ content: "globalThis.__name = (f) => f;" });
    const page = await context.newPage();

    const opens: number[] = [];
    for (let i = 0; i < 5; i++) opens.push(await openDesigner(page, ids[1000]!.id));
    say(`open a ${ids[1000]!.nodes}-node workflow: median ${round(median(opens))} ms over ${opens.length}`);
    report({ bench: "designer", metric: "open_ms_1000_nodes", value: round(median(opens)), unit: "ms", better: "lower" });

    await probes(page);
    const fps: number[] = [];
    for (let i = 0; i < 3; i++) fps.push(await dragFps(page));
    say(`dragging a node among ${ids[1000]!.nodes}: median ${round(median(fps))} fps`);
    report({ bench: "designer", metric: "drag_fps_1000_nodes", value: round(median(fps)), unit: "fps", better: "higher", goal: 30 });

    for (const size of [200, 1000]) {
      await openDesigner(page, ids[size]!.id);
      await probes(page);
      const cdp = process.env.BENCH_PROFILE ? await page.context().newCDPSession(page) : null;
      if (cdp) await cdp.send("Profiler.enable").then(() => cdp.send("Profiler.start"));
      const lat = await editLatencies(page, SAMPLES);
      if (cdp) {
        const { profile } = await cdp.send("Profiler.stop");
        (await import("node:fs")).writeFileSync(`/tmp/designer-${size}.cpuprofile`, JSON.stringify(profile));
      }
      say(`edit to verdict on screen, ${ids[size]!.nodes} nodes: p50 ${round(percentile(lat, 50))} ms, p95 ${round(percentile(lat, 95))} ms over ${lat.length} edits`);
      report({ bench: "designer", metric: `edit_to_verdict_p50_ms_${size}_nodes`, value: round(percentile(lat, 50)), unit: "ms", better: "lower" });
      report({ bench: "designer", metric: `edit_to_verdict_p95_ms_${size}_nodes`, value: round(percentile(lat, 95)), unit: "ms", better: "lower", goal: 100 });
    }
    await context.close();
  } finally {
    await browser.close();
    await stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
