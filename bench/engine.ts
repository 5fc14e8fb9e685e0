/**
 * Engine benchmarks on this machine, JSON lines:
 * - task claims per second with a no-op plugin on PostgreSQL, side by side with graphile-worker on
 *   the same server in the same run: one claim and one completion per task, then batched claims
 *   (graphile-worker's local queue, completion batch delay 0);
 * - runs per second of a 10-step sequential workflow: embedded (PGlite, in-process worker) and
 *   PostgreSQL with 1 and 3 worker processes;
 * - start-to-completion latency of a 1-step run, p50 and p99 (embedded and PostgreSQL);
 * - beside each claims measurement, the SQL floor (sql-floor.ts): Petrel's rows for the same tasks
 *   written by hand-made SQL with no engine, the most any engine keeping these tables could drain.
 * Sizes: BENCH_JOBS (default 20,000) tasks per claim measurement, BENCH_RUNS (default 1,000) runs
 * timed after BENCH_WARMUP (default 300) untimed ones;
 * BENCH_REPEAT (default 3) turns of each throughput measurement, medians reported.
 * BENCH_PROF=1 writes CPU profiles of the worker processes to /tmp/cpuprof. BENCH_ENGINE_ONLY=claims,
 * runs or latency measures only that part.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { makeWorkerUtils, run as runGraphile, type Logger as GwLogger } from "graphile-worker";
import pg from "pg";
import { wf } from "../lib/petri/fixtures/build";
import { makeUser } from "../prisma/seed/factories";
import { sealAuditChain } from "../server/db/audit-chain";
import { openDatabase, type Database } from "../server/db/database";
import { Worker } from "../server/engine/worker";
import { builtinPlugins } from "../server/nodes/builtins";
import { createLogger } from "../server/observability/logger";
import type { Actor, ServiceDeps } from "../server/services/deps";
import { startRun } from "../server/services/runs/start-run";
import { createWorkflow } from "../server/services/workflows/create-workflow";
import { publishWorkflow } from "../server/services/workflows/publish-workflow";
import { createPostgresDatabase, testConfig } from "../server/testing/databases";
import { META } from "../server/testing/engine";
import { median, percentile, report } from "./report";
import { cloneReadyRuns, sqlFloorTasksPerSecond } from "./sql-floor";

const JOBS = Number(process.env.BENCH_JOBS ?? 20_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 1000);
/** Runs before the timed ones in the runs-per-second measurement (see runsPerSecond). */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 300);
/** Turns per measurement; the median is reported. */
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const round = (n: number) => Math.round(n * 10) / 10;
const say = (s: string) => process.stderr.write(`  ${s}\n`);

async function graphileJobsPerSecond(url: string, jobs: number, batched: boolean): Promise<number> {
  // Our own pool, ended before the database is dropped.
  const pgPool = new pg.Pool({ connectionString: url, max: 12 });
  pgPool.on("error", () => undefined);
  pgPool.on("connect", (client) => client.on("error", () => undefined));
  try {
    return await graphileRun(pgPool, jobs, batched);
  } finally {
    await pgPool.end();
  }
}

async function graphileRun(pgPool: pg.Pool, jobs: number, batched: boolean): Promise<number> {
  const utils = await makeWorkerUtils({ pgPool });
  await utils.migrate();
  for (let i = 0; i < jobs; i += 1000) await utils.addJobs(Array.from({ length: Math.min(1000, jobs - i) }, () => ({ identifier: "noop", payload: {} })));
  await utils.release();
  const silent: GwLogger = new (await import("graphile-worker")).Logger(() => () => {});
  let done = 0;
  let finish!: () => void;
  const all = new Promise<void>((r) => (finish = r));
  const t0 = performance.now();
  const runner = await runGraphile({
    pgPool,
    concurrency: batched ? 10 : 1,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: silent,
    taskList: {
      noop: async () => {
        if (++done === jobs) finish();
      },
    },
    ...(batched ? { preset: { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0 } } } : {}),
  });
  await all;
  const seconds = (performance.now() - t0) / 1000;
  await runner.stop();
  return jobs / seconds;
}

type Env = { deps: ServiceDeps; db: Database; actor: Actor; close(): Promise<void>; url?: string };

async function petrelEnv(kind: "pglite" | "postgresql"): Promise<Env> {
  const log = createLogger("silent");
  if (kind === "postgresql") {
    const pg = await createPostgresDatabase();
    const db = await openDatabase({ kind: "postgres", url: pg.url });
    const deps: ServiceDeps = { prisma: db.prisma, config: testConfig({ DATABASE_URL: pg.url }), log, now: () => new Date(), plugins: builtinPlugins({ httpAllow: [] }) };
    const u = await makeUser(deps, { email: "bench@example.com", name: "Bench", role: "admin", password: "bench-password-1" });
    return { deps, db, url: pg.url, actor: { type: "user", userId: u.id, email: u.email, role: "admin" }, close: async () => (await db.close(), await pg.drop()) };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "petrel-bench-"));
  const db = await openDatabase({ kind: "pglite", dataDir: dir });
  const deps: ServiceDeps = { prisma: db.prisma, config: testConfig({ PETREL_DATA_DIR: dir }), log, now: () => new Date(), plugins: builtinPlugins({ httpAllow: [] }) };
  const u = await makeUser(deps, { email: "bench@example.com", name: "Bench", role: "admin", password: "bench-password-1" });
  return { deps, db, actor: { type: "user", userId: u.id, email: u.email, role: "admin" }, close: async () => (await db.close(), rmSync(dir, { recursive: true, force: true })) };
}

function sequence(steps: number) {
  const ids = Array.from({ length: steps }, (_, i) => `a${i}`);
  const nodes = `s:start ${ids.map((i) => `${i}:task`).join(" ")} e:end`;
  const edges = ["s", ...ids, "e"].slice(0, -1).map((from, i) => `${from}>${["s", ...ids, "e"][i + 1]}`).join(" ");
  return wf(nodes, edges);
}

async function publish(env: Env, steps: number): Promise<string> {
  const w = await createWorkflow(env.deps, env.actor, META, { name: `bench ${steps} ${Math.random()}`, graph: sequence(steps) });
  await publishWorkflow(env.deps, env.actor, META, { workflowId: w.id });
  return w.id;
}

async function waitAllDone(env: Env, total: number): Promise<void> {
  for (;;) {
    const done = await env.deps.prisma.run.count({ where: { status: "completed" } });
    if (done >= total) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function petrelTasksPerSecond(batched: boolean): Promise<number> {
  const env = await petrelEnv("postgresql");
  try {
    const workflowId = await publish(env, 1);
    for (let i = 0; i < JOBS; i++) await startRun(env.deps, env.actor, META, { workflowId });
    // The starts' audit rows are sealed into the chain before the clock starts: that is the starts'
    // work (a worker seals once a second), not the claims'.
    await sealAuditChain(env.deps.prisma);
    const worker = new Worker(env.deps, { id: "bench", concurrency: batched ? 100 : 1, batchSize: batched ? 100 : 1, listen: env.db.listen });
    const t0 = performance.now();
    await worker.start();
    while (worker.stats.completed < JOBS) await new Promise((r) => setTimeout(r, 5));
    const seconds = (performance.now() - t0) / 1000;
    await worker.stop();
    return JOBS / seconds;
  } finally {
    await env.close();
  }
}

/** The SQL floor over JOBS one-step runs made like the claims bench's (see sql-floor.ts). */
async function sqlFloor(batched: boolean): Promise<number> {
  const env = await petrelEnv("postgresql");
  try {
    const workflowId = await publish(env, 1);
    await startRun(env.deps, env.actor, META, { workflowId });
    await cloneReadyRuns(env.url!, JOBS - 1);
    return await sqlFloorTasksPerSecond(env.url!, batched);
  } finally {
    await env.close();
  }
}

/** Starts `n` runs from four clients at once, as a busy API would. */
async function startMany(env: Env, workflowId: string, n: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next++ < n) await startRun(env.deps, env.actor, META, { workflowId });
    }),
  );
}

/**
 * Runs per second of the 10-step workflow, at steady state: WARMUP runs go first, untimed for the
 * figure (each worker process compiles its hot paths on its first tasks, V8's JIT, which with
 * three processes on two cores takes seconds of CPU), then RUNS runs are timed from the first
 * start to the last completion. `cold` is the warm-up's own rate, for comparison.
 */
async function runsPerSecond(kind: "pglite" | "postgresql", workerProcesses: number): Promise<{ warm: number; cold: number }> {
  const env = await petrelEnv(kind);
  const procs: ChildProcess[] = [];
  let inProcess: Worker | null = null;
  try {
    const workflowId = await publish(env, 10);
    if (kind === "pglite") {
      inProcess = new Worker(env.deps, { concurrency: 32, listen: env.db.listen });
      await inProcess.start();
    } else {
      for (let i = 0; i < workerProcesses; i++) {
        procs.push(spawn(process.execPath, [...(process.env.BENCH_PROF ? ["--cpu-prof", "--cpu-prof-dir=/tmp/cpuprof"] : []), "--import", "tsx", "server/worker-main.ts"], { env: { ...process.env, DATABASE_URL: env.url, LOG_LEVEL: "error", PETREL_WORKER_CONCURRENCY: "32" }, stdio: ["ignore", "ignore", "inherit"] }));
      }
      await new Promise((r) => setTimeout(r, 3000)); // let them start
    }
    const timed = async (n: number, total: number) => {
      const t0 = performance.now();
      await startMany(env, workflowId, n);
      await waitAllDone(env, total);
      return n / ((performance.now() - t0) / 1000);
    };
    const cold = await timed(WARMUP, WARMUP);
    const warm = await timed(RUNS, WARMUP + RUNS);
    return { warm, cold };
  } finally {
    await inProcess?.stop();
    await Promise.all(procs.map((p) => new Promise((r) => (p.once("exit", r), p.kill("SIGTERM")))));
    await env.close();
  }
}

async function latency(kind: "pglite" | "postgresql"): Promise<{ p50: number; p99: number }> {
  const env = await petrelEnv(kind);
  const worker = new Worker(env.deps, { concurrency: 8, listen: env.db.listen });
  await worker.start();
  try {
    const workflowId = await publish(env, 1);
    const times: number[] = [];
    for (let i = 0; i < 120; i++) {
      const t0 = performance.now();
      const { runId } = await startRun(env.deps, env.actor, META, { workflowId });
      for (;;) {
        const r = await env.deps.prisma.run.findUniqueOrThrow({ where: { id: runId }, select: { status: true } });
        if (r.status === "completed") break;
        await new Promise((res) => setTimeout(res, 1));
      }
      if (i >= 20) times.push(performance.now() - t0);
    }
    return { p50: percentile(times, 50), p99: percentile(times, 99) };
  } finally {
    await worker.stop();
    await env.close();
  }
}

export async function engine(): Promise<void> {
  const only = process.env.BENCH_ENGINE_ONLY;
  if (!only || only === "claims") await claims();
  if (!only || only === "runs") await runs();
  if (!only || only === "latency") await latencies();
}

async function claims(): Promise<void> {
  for (const batched of [false, true]) {
    const mode = batched ? "batched" : "unbatched";
    // Graphile-worker and Petrel take turns, REPEAT times: the machine's speed drifts between runs,
    // so each ratio is taken within one turn and the medians are reported.
    const gws: number[] = [];
    const petrels: number[] = [];
    const ratios: number[] = [];
    const floors: number[] = [];
    const floorRatios: number[] = [];
    for (let turn = 1; turn <= REPEAT; turn++) {
      const pg = await createPostgresDatabase();
      const gw = await graphileJobsPerSecond(pg.url, JOBS, batched);
      await pg.drop();
      const petrel = await petrelTasksPerSecond(batched);
      const floor = await sqlFloor(batched);
      say(`${mode}, turn ${turn}: graphile-worker ${round(gw)} jobs/s, petrel ${round(petrel)} tasks/s over ${JOBS} (each also writes history and moves tokens): ${(petrel / gw).toFixed(2)}×; SQL floor ${round(floor)} tasks/s: ${(floor / gw).toFixed(2)}×`);
      gws.push(gw);
      petrels.push(petrel);
      ratios.push(petrel / gw);
      floors.push(floor);
      floorRatios.push(floor / gw);
    }
    const [gw, petrel, ratio] = [median(gws), median(petrels), median(ratios)];
    report({ bench: "engine", metric: `task_claims_per_s_pg_${mode}`, value: round(petrel), unit: "tasks/s", better: "higher", goal: round(gw), baseline: { name: "graphile-worker", value: round(gw) }, ratio: Math.round(ratio * 1000) / 1000, turns: REPEAT });
    report({ bench: "engine", metric: `task_claims_per_s_pg_${mode}_sql_floor`, value: round(median(floors)), unit: "tasks/s", better: "higher", baseline: { name: "graphile-worker", value: round(gw) }, ratio: Math.round(median(floorRatios) * 1000) / 1000, turns: REPEAT });
  }
}

async function runs(): Promise<void> {
  for (const [kind, n] of [["pglite", 0], ["postgresql", 1], ["postgresql", 3]] as const) {
    const all: Array<{ warm: number; cold: number }> = [];
    for (let turn = 1; turn <= REPEAT; turn++) all.push(await runsPerSecond(kind, n));
    const label = kind === "pglite" ? "embedded" : `PostgreSQL, ${n} worker process(es)`;
    const [warm, cold] = [median(all.map((a) => a.warm)), median(all.map((a) => a.cold))];
    say(`10-step runs, ${label}: median ${round(warm)} runs/s (${all.map((a) => round(a.warm)).join(", ")}) after ${WARMUP} warm-up runs at ${round(cold)} runs/s`);
    report({ bench: "engine", metric: kind === "pglite" ? "runs_per_s_10_steps_embedded" : `runs_per_s_10_steps_pg_${n}_workers`, value: round(warm), unit: "runs/s", better: "higher", ...(kind === "pglite" ? {} : { goal: 220 }), cold: round(cold), turns: REPEAT });
  }
}

async function latencies(): Promise<void> {
  for (const kind of ["pglite", "postgresql"] as const) {
    const l = await latency(kind);
    say(`1-step run start-to-completion, ${kind}: p50 ${round(l.p50)} ms, p99 ${round(l.p99)} ms`);
    report({ bench: "engine", metric: `run_latency_p50_ms_${kind}`, value: round(l.p50), unit: "ms", better: "lower" });
    report({ bench: "engine", metric: `run_latency_p99_ms_${kind}`, value: round(l.p99), unit: "ms", better: "lower" });
  }
}
