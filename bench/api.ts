/**
 * API latency on one server process, embedded PGlite against PostgreSQL, measured in the same
 * run: an authenticated tRPC query (session lookup + workflow list) and the health endpoint,
 * over real HTTP on loopback. Baseline: /api/health (no database), so the ratio shows what a
 * procedure with session and database costs over the bare HTTP stack.
 */
import superjson from "superjson";
import { startApiServer } from "../server/testing/api-server";
import { median, percentile, report } from "./report";

const ADMIN = { email: "bench@example.com", password: "bench-password-123" };
const REQUESTS = 600;
const WARMUP = 100;

async function timeRequests(url: string, init: RequestInit): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < WARMUP + REQUESTS; i++) {
    const t0 = performance.now();
    const res = await fetch(url, init);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${url} answered ${res.status}`);
    if (i >= WARMUP) times.push(performance.now() - t0);
  }
  return times;
}

export async function api(): Promise<void> {
  for (const kind of ["pglite", "postgresql"] as const) {
    const server = await startApiServer(kind, { PETREL_ADMIN_EMAIL: ADMIN.email, PETREL_ADMIN_PASSWORD: ADMIN.password, PETREL_SEED_DEMO: "true" });
    try {
      const signIn = await fetch(`${server.url}/api/trpc/auth.signIn`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(superjson.serialize(ADMIN)),
      });
      const cookie = signIn.headers.getSetCookie()[0]!.split(";")[0]!;
      const health = await timeRequests(`${server.url}/api/health`, {});
      const list = await timeRequests(`${server.url}/api/trpc/workflow.list`, { headers: { cookie } });
      const h = median(health);
      const l = median(list);
      report({ bench: "api", metric: `workflow_list_median_ms_${kind}`, value: round(l), unit: "ms", better: "lower", baseline: { name: "api_health", value: round(h) }, ratio: round(l / h) });
      report({ bench: "api", metric: `workflow_list_p95_ms_${kind}`, value: round(percentile(list, 95)), unit: "ms", better: "lower" });
      process.stderr.write(`  ${kind}: health median ${round(h)} ms, workflow.list median ${round(l)} ms over ${REQUESTS} requests\n`);
    } finally {
      await server.close();
    }
  }
}

const round = (n: number) => Math.round(n * 1000) / 1000;
