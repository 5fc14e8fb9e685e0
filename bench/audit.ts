/**
 * The audit log at a million rows on PostgreSQL: the admin page's query (filter + first page of
 * 50, through the same service the page calls) for each kind of filter, p50 and p95 over
 * repeated calls; a deeper page by cursor; and the chain verification rate. Rows are written
 * through the insert trigger (one INSERT … SELECT per 100,000 rows) and sealed into the chain by
 * the sealer, as in production, so the chain is real; the write rate counts both.
 * Baseline: the unfiltered first page, measured in the same run. Size: BENCH_AUDIT_ROWS (default 1,000,000).
 */
import { sealAuditChain } from "../server/db/audit-chain";
import { openDatabase } from "../server/db/database";
import { createLogger } from "../server/observability/logger";
import { listAudit, verifyAuditChain } from "../server/services/audit-log/read-audit";
import { builtinPlugins } from "../server/nodes/builtins";
import type { ServiceDeps } from "../server/services/deps";
import { createPostgresDatabase, testConfig } from "../server/testing/databases";
import { percentile, report } from "./report";

const ROWS = Number(process.env.BENCH_AUDIT_ROWS ?? 1_000_000);
const REPEAT = 30;
const say = (s: string) => process.stderr.write(`  ${s}\n`);
const round = (n: number) => Math.round(n * 100) / 100;

const ACTIONS = ["workflow.create", "workflow.edit", "workflow.publish", "workflow.rename", "run.start", "run.cancel", "run.signal", "run.approval", "run.retry", "user.role", "auth.sign_in", "auth.sign_in_failed", "token.create", "secret.update"];

export async function audit(): Promise<void> {
  const pg = await createPostgresDatabase();
  const db = await openDatabase({ kind: "postgres", url: pg.url });
  const deps: ServiceDeps = { prisma: db.prisma, config: testConfig({ DATABASE_URL: pg.url }), log: createLogger("silent"), now: () => new Date(), plugins: builtinPlugins({ httpAllow: [] }) };
  try {
    const t0 = performance.now();
    const batch = 100_000;
    const start = Date.now() - ROWS * 1000; // one row a second, ending now
    for (let done = 0; done < ROWS; done += batch) {
      const n = Math.min(batch, ROWS - done);
      // 50 people, 14 actions, 2,000 workflows and 20,000 runs as targets.
      await db.prisma.$executeRawUnsafe(
        `INSERT INTO audit_log (at, actor_type, actor_id, actor_label, action, target_type, target_id, before, after, request_id, ip, user_agent)
         SELECT to_timestamp(($1::bigint + g * 1000) / 1000.0), 'user', 'user-' || (g % 50), 'person' || (g % 50) || '@example.com',
                ($2::text[])[1 + g % ${ACTIONS.length}], CASE WHEN g % 3 = 0 THEN 'run' ELSE 'workflow' END,
                CASE WHEN g % 3 = 0 THEN 'run-' || (g % 20000) ELSE 'wf-' || (g % 2000) END,
                CASE WHEN g % 2 = 0 THEN jsonb_build_object('name', 'Workflow ' || (g % 2000), 'revision', g % 97) END,
                jsonb_build_object('name', 'Workflow ' || (g % 2000), 'revision', g % 97 + 1, 'note', md5(g::text)),
                'req-' || g, '10.0.' || (g % 250) || '.' || (g % 200), 'bench'
         FROM generate_series($3::bigint, $4::bigint) AS g`,
        start,
        ACTIONS,
        done,
        done + n - 1,
      );
      say(`audit rows written: ${(done + n).toLocaleString()}`);
    }
    const s0 = performance.now();
    const sealed = await sealAuditChain(db.prisma);
    const sealSeconds = (performance.now() - s0) / 1000;
    await db.prisma.$executeRawUnsafe("ANALYZE audit_log");
    await db.prisma.$executeRawUnsafe("ANALYZE audit_chain");
    const loadSeconds = (performance.now() - t0) / 1000;
    say(`wrote ${ROWS.toLocaleString()} rows and sealed ${sealed.toLocaleString()} into the chain in ${round(loadSeconds)} s (sealing: ${round(sealSeconds)} s)`);
    report({ bench: "audit", metric: "audit_insert_rows_per_s_chained", value: Math.round(ROWS / loadSeconds), unit: "rows/s", better: "higher" });
    report({ bench: "audit", metric: "audit_seal_rows_per_s", value: Math.round(sealed / sealSeconds), unit: "rows/s", better: "higher" });

    const mid = new Date(start + (ROWS / 2) * 1000);
    const filters: Record<string, Parameters<typeof listAudit>[1]> = {
      none: {},
      action: { action: "workflow.publish" },
      action_family: { action: "run.*" },
      actor: { actor: "person7@example.com" },
      target: { targetType: "workflow", targetId: "wf-42" },
      time_range: { from: new Date(mid.getTime() - 3600_000), to: mid },
      action_and_time: { action: "run.cancel", from: new Date(mid.getTime() - 86_400_000), to: mid },
      free_text: { q: "workflow 1234" },
      rare_text: { q: "nosuchword" },
    };
    let baseline = 0;
    for (const [name, filter] of Object.entries(filters)) {
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i < REPEAT + 3; i++) {
        const t = performance.now();
        const page = await listAudit(deps, { ...filter, limit: 50 });
        if (i >= 3) times.push(performance.now() - t);
        rows = page.rows.length;
      }
      const p95 = percentile(times, 95);
      if (name === "none") baseline = p95;
      say(`filter ${name}: p50 ${round(percentile(times, 50))} ms, p95 ${round(p95)} ms (${rows} rows on the first page)`);
      report({ bench: "audit", metric: `audit_page_p95_ms_${name}`, value: round(p95), unit: "ms", better: "lower", goal: 200, baseline: { name: "audit_page_p95_ms_none", value: round(baseline) }, ratio: round(p95 / baseline) });
    }
    // A page deep in the log, by cursor.
    const deep: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const t = performance.now();
      await listAudit(deps, { action: "workflow.publish", cursor: String(Math.floor(ROWS / 3)), limit: 50 });
      deep.push(performance.now() - t);
    }
    report({ bench: "audit", metric: "audit_page_p95_ms_deep_cursor", value: round(percentile(deep, 95)), unit: "ms", better: "lower", goal: 200 });
    const v0 = performance.now();
    const chain = await verifyAuditChain(db.prisma);
    const seconds = (performance.now() - v0) / 1000;
    if (!chain.ok) throw new Error(`the chain is broken at ${chain.firstBroken?.id}`);
    say(`verified ${chain.rows.toLocaleString()} rows in ${round(seconds)} s`);
    report({ bench: "audit", metric: "audit_chain_verify_rows_per_s", value: Math.round(chain.rows / seconds), unit: "rows/s", better: "higher" });
  } finally {
    await db.close();
    await pg.drop();
  }
}
