/**
 * Chaos: 3 worker processes on PostgreSQL run 300 runs of a workflow with parallel branches, a
 * timer, retries and an HTTP task against a server on loopback that fails 30% of calls, while a
 * random worker is killed with SIGKILL every ~2 s and restarted. Afterwards every run completed,
 * each node completed exactly once per run, every run's state equals the fold of its history,
 * and no task is left leased.
 */
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import { afterAll, describe, expect, it } from "vitest";
import { wf } from "../../lib/petri/fixtures/build";
import { makeUser } from "../../prisma/seed/factories";
import { openDatabase, type Database } from "../db/database";
import { builtinPlugins } from "../nodes/builtins";
import { createLogger } from "../observability/logger";
import type { Actor, ServiceDeps } from "../services/deps";
import { startRun } from "../services/runs/start-run";
import { createWorkflow } from "../services/workflows/create-workflow";
import { publishWorkflow } from "../services/workflows/publish-workflow";
import { createPostgresDatabase, LOOPBACK, testConfig } from "../testing/databases";
import { META } from "../testing/engine";
import { ROOT } from "../testing/process";
import { replayRun } from "./engine";

const RUNS = 300;
const WORKERS = 3;

describe("chaos: SIGKILLed workers on PostgreSQL", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it(`${RUNS} runs complete exactly once each while workers are killed`, async () => {
    // A flaky HTTP server: 30% of calls answer 500.
    let calls = 0;
    let failures = 0;
    const flaky = http.createServer((req, res) => {
      calls++;
      if (Math.random() < 0.3) {
        failures++;
        res.writeHead(500).end("flaky");
      } else {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, n: calls }));
      }
    });
    await new Promise<void>((r) => flaky.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise((r) => flaky.close(() => r())));
    const port = (flaky.address() as { port: number }).port;

    const pg = await createPostgresDatabase();
    cleanups.push(pg.drop);
    const db: Database = await openDatabase({ kind: "postgres", url: pg.url });
    cleanups.push(() => db.close());
    const deps: ServiceDeps = { prisma: db.prisma, config: testConfig({ DATABASE_URL: pg.url }), log: createLogger("silent"), now: () => new Date(), plugins: builtinPlugins({ httpAllow: LOOPBACK }) };
    const admin = await makeUser(deps, { email: "chaos@example.com", name: "Chaos", role: "admin", password: "chaos-password-1" });
    const actor: Actor = { type: "user", userId: admin.id, email: admin.email, role: "admin" };

    const graph = wf(
      "s:start f:parallel-split h:task x:task t:timer r:task j:parallel-join e:end",
      "s>f f>h h>x x>j f>t t>j f>r r>j j>e",
      {
        config: {
          h: { type: "http", url: `http://127.0.0.1:${port}/work`, timeoutMs: 2000 },
          x: { type: "transform", set: { done: "=true" } },
          t: { duration: "PT3S" },
          r: { type: "fail", times: 1, errorType: "Transient" },
        },
      },
    );
    for (const n of graph.nodes) {
      if (["h", "x", "r"].includes(n.id)) {
        n.retry = { maxAttempts: 100, initialIntervalMs: 100, backoffCoefficient: 1.5, maxIntervalMs: 1000 };
        n.timeouts = { startToCloseMs: 3000 };
      }
    }
    const w = await createWorkflow(deps, actor, META, { name: "Chaos", graph });
    await publishWorkflow(deps, actor, META, { workflowId: w.id });

    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: pg.url, PETREL_WORKER_CONCURRENCY: "8", PETREL_HTTP_ALLOW: "127.0.0.1", LOG_LEVEL: "error", NODE_ENV: "production" };
    const workers: Array<ChildProcess | null> = [];
    // A worker is ready once it says so (its signal handlers are in place from then on).
    const ready: Array<Promise<void>> = [];
    const spawnWorker = (i: number) => {
      const p = spawn(process.execPath, ["--import", "tsx", "server/worker-main.ts"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "inherit"] });
      workers[i] = p;
      ready[i] = new Promise<void>((resolve) => {
        let out = "";
        p.stdout!.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes("is running")) resolve();
        });
        p.once("exit", () => resolve());
      });
    };
    for (let i = 0; i < WORKERS; i++) spawnWorker(i);
    cleanups.push(async () => {
      for (const p of workers) p?.kill("SIGKILL");
    });

    // Start the runs while the killing goes on.
    let started = false;
    const starting = (async () => {
      for (let i = 0; i < RUNS; i++) await startRun(deps, actor, META, { workflowId: w.id });
      started = true;
    })();

    let kills = 0;
    const deadline = Date.now() + 240_000;
    let open = RUNS;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2000));
      open = await db.prisma.run.count({ where: { status: { in: ["running", "paused"] } } });
      if (started && open === 0) break;
      const victim = Math.floor(Math.random() * WORKERS);
      workers[victim]?.kill("SIGKILL");
      kills++;
      await new Promise((r) => setTimeout(r, 100));
      spawnWorker(victim);
    }
    await starting;
    await Promise.all(ready);
    // Graceful stop: SIGTERM, every worker exits 0.
    const codes = await Promise.all(
      workers.map((p) => new Promise<number | null>((resolve) => {
        if (!p || p.exitCode !== null) return resolve(p?.exitCode ?? 0);
        p.once("exit", (code) => resolve(code));
        p.kill("SIGTERM");
      })),
    );
    process.stderr.write(`chaos: ${kills} workers killed, ${calls} HTTP calls (${failures} failed), ${open} runs open at the end\n`);

    expect(codes).toEqual(Array(WORKERS).fill(0));
    expect(kills).toBeGreaterThan(0);
    const statuses = await db.prisma.run.groupBy({ by: ["status"], _count: true });
    expect(statuses.map((s) => [s.status, s._count])).toEqual([["completed", RUNS]]);
    const completions = await db.prisma.$queryRaw<Array<{ n: number }>>`
      SELECT count(*)::int AS n FROM run_event_batches b CROSS JOIN LATERAL jsonb_array_elements(b.events) AS e
      WHERE e->>'type' IN ('TaskCompleted', 'TimerFired') GROUP BY b.run_id, e->>'nodeId', e->>'type'`;
    expect(completions).toHaveLength(RUNS * 4);
    expect(completions.every((c) => c.n === 1)).toBe(true);
    expect(await db.prisma.task.count({ where: { status: "leased" } })).toBe(0);
    const runs = await db.prisma.run.findMany({ select: { id: true } });
    for (const r of runs) {
      const check = await replayRun(db.prisma, r.id);
      expect(check.differences, r.id).toEqual([]);
    }
  }, 300_000);
});
