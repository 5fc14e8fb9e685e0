/**
 * Live-run benchmarks (JSON lines), against a real server process on PostgreSQL with its worker:
 * - event committed -> painted in Chromium: the run page marks each frame's new events
 *   (performance.mark "petrel:run-events", with each event's commit time) and the probe takes the
 *   time of the frame after; p50 and p95 over BENCH_EVENTS (default 1,000) events (goal p95 < 100 ms),
 *   once for a run whose steps take 50 ms and once for no-op steps as fast as the engine goes;
 * - 200 WebSocket clients in Node (tRPC's own client) watching 50 runs while they execute:
 *   delivery latency p50/p95 and the server process's resident memory before and during.
 * The server and the browser share this machine's clock, so commit and paint times compare.
 * BENCH_PROFILE=1 writes a CPU profile of the page to /tmp/live.cpuprofile; BENCH_TRACE=FILE a
 * Chromium trace of the paced run (for where the frames' time goes).
 * Each paint figure is split: committed -> message in the page, the frame interval, long tasks.
 * BENCH_LIVE_ONLY=paced, burst or fanout measures only that part.
 * Needs the web app built (`npm run build`, or `npm start` once).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { chromium } from "@playwright/test";
import { createTRPCClient, createWSClient, wsLink } from "@trpc/client";
import superjson from "superjson";
import WebSocket from "ws";
import { CHROMIUM_ARGS, chromiumPath } from "../e2e/chromium";
import { RUNNING } from "../lib/runs/run-view";
import type { AppRouter } from "../server/api/router";
import { createPostgresDatabase } from "../server/testing/databases";
import { TrpcHttp } from "../server/testing/http-client";
import { freePort, spawnServer, waitForStart } from "../server/testing/process";
import { percentile, report } from "./report";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 200);
const RUNS = Number(process.env.BENCH_LIVE_RUNS ?? 50);
const ADMIN = { email: "bench@live.petrel.test", password: "bench-live-password" };
const round = (n: number) => Math.round(n * 10) / 10;
const say = (s: string) => process.stderr.write(`  ${s}\n`);

/** start -> (a wait for the signal "go") -> n no-op tasks -> end, laid out in rows. */
function sequence(n: number, gate = false, stepMs = 0) {
  const ids = Array.from({ length: n }, (_, i) => `t${i}`);
  const nodes = [
    { id: "s", kind: "start", position: { x: 0, y: 0 } },
    ...(gate ? [{ id: "go", kind: "signal", label: "Go", position: { x: 0, y: 120 }, config: { name: "go" } }] : []),
    ...ids.map((id, i) => ({ id, kind: "task", label: `Step ${i + 1}`, position: { x: 120 + (i % 20) * 200, y: Math.floor(i / 20) * 120 }, config: stepMs ? { type: "delay", ms: stepMs } : { type: "noop" } })),
    { id: "e", kind: "end", position: { x: 120 + (n % 20) * 200, y: Math.floor(n / 20) * 120 } },
  ];
  const chain = ["s", ...(gate ? ["go"] : []), ...ids, "e"];
  const edges = chain.slice(1).map((id, i) => ({ id: `e${i}`, source: chain[i]!, target: id, kind: "flow" }));
  return { petrel: 1, nodes, edges };
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

async function publish(api: TrpcHttp, name: string, graph: unknown): Promise<string> {
  const created = await api.mutate("workflow.create", { name, description: "", graph });
  if (created.status !== 200) throw new Error(`workflow.create: ${JSON.stringify(created.body.error)}`);
  const id = (created.body.result!.data as { id: string }).id;
  const published = await api.mutate("workflow.publish", { workflowId: id });
  if (published.status !== 200) throw new Error(`workflow.publish: ${JSON.stringify(published.body.error)}`);
  return id;
}

async function start(api: TrpcHttp, workflowId: string): Promise<string> {
  const r = await api.mutate("run.start", { workflowId, input: {} });
  if (r.status !== 200) throw new Error(`run.start: ${JSON.stringify(r.body.error)}`);
  return (r.body.result!.data as { runId: string }).runId;
}

/**
 * Commit-to-paint latencies over one run of about EVENTS events. `stepMs` 0: steps are no-ops and
 * the engine appends events as fast as it can (hundreds per second, on the same two cores as the
 * browser); otherwise each step takes `stepMs` (a run being watched as it does real work).
 */
type Probe = { paint: number[]; arrive: number[]; frames: number[]; long: number[] };

async function commitToPaint(url: string, api: TrpcHttp, stepMs: number): Promise<Probe> {
  const steps = Math.ceil((EVENTS - 6) / 3); // each step appends NodeScheduled, TaskStarted, TaskCompleted
  const workflowId = await publish(api, `Live bench ${steps} steps of ${stepMs} ms`, sequence(steps, true, stepMs));
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ viewport: { width: 1500, height: 950 }, ...(process.env.BENCH_REDUCED_MOTION ? { reducedMotion: "reduce" as const } : {}) });
    await context.addInitScript({
      content: `globalThis.__name = (f) => f;
        window.__paint = [];
        // Where the time goes: when each event's message reaches the page (commit -> arrival), the
        // interval between frames, and the main thread's long tasks.
        window.__arrive = [];
        window.__frames = [];
        window.__long = [];
        let lastFrame = 0;
        const frames = (t) => { if (lastFrame) window.__frames.push(t - lastFrame); lastFrame = t; requestAnimationFrame(frames); };
        requestAnimationFrame(frames);
        new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(e.duration); }).observe({ type: "longtask" });
        const OrigWS = window.WebSocket;
        window.WebSocket = class extends OrigWS {
          constructor(...a) {
            super(...a);
            this.addEventListener("message", (m) => {
              const now = Date.now();
              const j = JSON.parse(m.data);
              const at = j?.result?.data?.json?.data?.at;
              if (at) window.__arrive.push(now - new Date(at).getTime());
            });
          }
        };
        // The page marks each frame's new events as it hands them to React; the frame after that
        // one has drawn them.
        const mark = performance.mark.bind(performance);
        performance.mark = (name, options) => {
          if (name === "petrel:run-events") {
            const batch = options.detail;
            requestAnimationFrame(() => { const now = Date.now(); for (const e of batch) window.__paint.push(now - e.at); });
          }
          return mark(name, options);
        };`,
    });
    const [name, ...value] = api.cookie.split("=");
    await context.addCookies([{ name: name!, value: value.join("="), url }]);
    const page = await context.newPage();
    // The run waits at its gate while the page opens and subscribes; then every event is live.
    const runId = await start(api, workflowId);
    await page.goto(`${url}/runs/${runId}`);
    await page.locator('[data-testid="run-node"][data-node-id="go"][data-state="waiting"]').waitFor();
    await page.evaluate(() => ((window as unknown as { __paint: number[] }).__paint = []));
    if (process.env.BENCH_TRACE && stepMs) await browser.startTracing(page, { path: process.env.BENCH_TRACE, categories: ["devtools.timeline", "disabled-by-default-devtools.timeline", "blink", "cc", "gpu", "viz"] });
    const cdp = process.env.BENCH_PROFILE ? await context.newCDPSession(page) : null;
    if (cdp) await cdp.send("Profiler.enable").then(() => cdp.send("Profiler.start"));
    const signalled = await api.mutate("run.signal", { runId, name: "go", payload: {} });
    if (signalled.status !== 200) throw new Error(`run.signal: ${JSON.stringify(signalled.body.error)}`);
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent === "completed", undefined, { timeout: 300_000 });
    await page.waitForTimeout(200);
    if (cdp) (await import("node:fs")).writeFileSync("/tmp/live.cpuprofile", JSON.stringify((await cdp.send("Profiler.stop")).profile));
    if (process.env.BENCH_TRACE && stepMs) await browser.stopTracing();
    return (await page.evaluate(() => {
      const w = window as unknown as { __paint: number[]; __arrive: number[]; __frames: number[]; __long: number[] };
      return { paint: w.__paint, arrive: w.__arrive, frames: w.__frames, long: w.__long };
    })) as Probe;
  } finally {
    await browser.close();
  }
}

async function manyClients(url: string, api: TrpcHttp, serverPid: number): Promise<{ p50: number; p95: number; received: number; rssBefore: number; rssDuring: number }> {
  const workflowId = await publish(api, "Live bench fan-out", sequence(10, true));
  // The runs wait at their gate until every client has subscribed; then all are let go at once.
  const runIds: string[] = [];
  for (let i = 0; i < RUNS; i++) runIds.push(await start(api, workflowId));
  const rssBefore = rssMb(serverPid);
  const cookie = api.cookie;
  class CookieSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers: { cookie } });
    }
  }
  const latencies: number[] = [];
  const clients = Array.from({ length: CLIENTS }, () => createWSClient({ url: url.replace("http", "ws") + "/api/trpc-ws", WebSocket: CookieSocket as unknown as typeof globalThis.WebSocket }));
  let started = 0;
  let goAt = Infinity;
  const finished = new Set<number>();
  let rssDuring = rssBefore;
  const sampler = setInterval(() => (rssDuring = Math.max(rssDuring, rssMb(serverPid))), 100);
  let allDone!: () => void;
  const done = new Promise<void>((r) => (allDone = r));
  let allStarted!: () => void;
  const subscribed = new Promise<void>((r) => (allStarted = r));
  clients.forEach((ws, i) => {
    const trpc = createTRPCClient<AppRouter>({ links: [wsLink({ client: ws, transformer: superjson })] });
    trpc.run.watch.subscribe(
      { runId: runIds[i % runIds.length]!, afterSeq: 0 },
      {
        onStarted: () => ++started === clients.length && allStarted(),
        onData: (t) => {
          if (t.data.type === RUNNING) return; // not a history event (see watchRun)
          const at = new Date(t.data.at).getTime();
          if (at >= goAt) latencies.push(Date.now() - at);
          if (t.data.type === "RunCompleted" && !finished.has(i)) {
            finished.add(i);
            if (finished.size === clients.length) allDone();
          }
        },
      },
    );
  });
  await Promise.race([subscribed, new Promise((r) => setTimeout(r, 60_000))]);
  await new Promise((r) => setTimeout(r, 500)); // every subscription has replayed its history
  goAt = Date.now();
  for (const runId of runIds) {
    const r = await api.mutate("run.signal", { runId, name: "go", payload: {} });
    if (r.status !== 200) throw new Error(`run.signal: ${JSON.stringify(r.body.error)}`);
  }
  await Promise.race([done, new Promise((r) => setTimeout(r, 120_000))]);
  clearInterval(sampler);
  await Promise.all(clients.map((c) => c.close()));
  return { p50: percentile(latencies, 50), p95: percentile(latencies, 95), received: latencies.length, rssBefore, rssDuring };
}

export async function live(): Promise<void> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error("Chromium not found: apt-get install -y chromium (or set CHROMIUM_PATH)");
  const build = spawnSync(process.execPath, ["--import", "tsx", "server/tools/ensure-build.ts"], { stdio: ["ignore", "ignore", "inherit"] });
  if (build.status !== 0) throw new Error("the web app could not be built");
  const db = await createPostgresDatabase();
  const server = spawnServer({ DATABASE_URL: db.url, PETREL_ADMIN_EMAIL: ADMIN.email, PETREL_ADMIN_PASSWORD: ADMIN.password, PETREL_WORKER_CONCURRENCY: "16", LOG_LEVEL: "error" }, await freePort());
  try {
    await waitForStart(server);
    const api = new TrpcHttp(server.url);
    if ((await api.mutate("auth.signIn", ADMIN)).status !== 200) throw new Error("sign-in failed");
    const only = process.env.BENCH_LIVE_ONLY;

    for (const [label, stepMs] of [["steps of 50 ms", 50], ["no-op steps, as fast as the engine goes", 0]] as const) {
      const tag = stepMs ? `paced_${stepMs}ms` : "burst";
      if (only && only !== tag.replace(/_.*/, "")) continue;
      const probe = await commitToPaint(server.url, api, stepMs);
      const paint = probe.paint;
      say(`event committed -> painted in Chromium, ${label}: p50 ${round(percentile(paint, 50))} ms, p95 ${round(percentile(paint, 95))} ms over ${paint.length} events`);
      const longTotal = probe.long.reduce((a, b) => a + b, 0);
      say(`  of which committed -> message in the page: p50 ${round(percentile(probe.arrive, 50))} ms, p95 ${round(percentile(probe.arrive, 95))} ms; frame interval p50 ${round(percentile(probe.frames, 50))} ms, p90 ${round(percentile(probe.frames, 90))} ms over ${probe.frames.length} frames; ${probe.long.length} long tasks, ${round(longTotal)} ms in all`);
      report({ bench: "live", metric: `commit_to_page_p50_ms_${tag}`, value: round(percentile(probe.arrive, 50)), unit: "ms", better: "lower" });
      report({ bench: "live", metric: `commit_to_page_p95_ms_${tag}`, value: round(percentile(probe.arrive, 95)), unit: "ms", better: "lower" });
      report({ bench: "live", metric: `frame_interval_p50_ms_${tag}`, value: round(percentile(probe.frames, 50)), unit: "ms", better: "lower" });
      report({ bench: "live", metric: `commit_to_paint_p50_ms_${tag}`, value: round(percentile(paint, 50)), unit: "ms", better: "lower" });
      report({ bench: "live", metric: `commit_to_paint_p95_ms_${tag}`, value: round(percentile(paint, 95)), unit: "ms", better: "lower", goal: 100 });
    }

    if (only && only !== "fanout") return;
    const fan = await manyClients(server.url, api, server.child.pid!);
    say(`${CLIENTS} WebSocket clients watching ${RUNS} runs as they execute: delivery p50 ${round(fan.p50)} ms, p95 ${round(fan.p95)} ms over ${fan.received} deliveries; server memory ${fan.rssBefore} MB idle, ${fan.rssDuring} MB at most during`);
    report({ bench: "live", metric: "fanout_delivery_p50_ms", value: round(fan.p50), unit: "ms", better: "lower" });
    report({ bench: "live", metric: "fanout_delivery_p95_ms", value: round(fan.p95), unit: "ms", better: "lower" });
    report({ bench: "live", metric: "fanout_server_rss_mb", value: fan.rssDuring, unit: "MB", better: "lower", baseline: { name: "idle server", value: fan.rssBefore } });
  } finally {
    server.child.kill("SIGTERM");
    await Promise.race([server.exited, new Promise((r) => setTimeout(r, 10_000))]);
    await db.drop().catch(() => undefined);
  }
}
