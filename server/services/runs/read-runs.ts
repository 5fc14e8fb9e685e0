/** Reading runs: one run, a list with cursor pagination, a page of history, a live query. */
import { z } from "zod";
import { AppError } from "../../../lib/errors";
import type { WorkflowGraph } from "../../../lib/workflow/schema";
import type { Prisma } from "../../db/database";
import { queryRun as engineQuery } from "../../engine/engine";
import { readHistory } from "../../engine/history";
import { loadVersion } from "../../engine/version-cache";
import type { ServiceDeps } from "../deps";
import type { Principal } from "../../../lib/policy";
import { usableWorkflows } from "../access/workflow-access";

const STATUSES = ["running", "paused", "completed", "failed", "cancelled"] as const;

export const ListRunsInputSchema = z.object({
  workflowId: z.string().uuid("must be a workflow id").optional(),
  /** A published version number of `workflowId`. */
  version: z.number().int().positive().optional(),
  status: z.enum(STATUSES, { error: `must be one of ${STATUSES.join(", ")}` }).optional(),
  /** Started at or after / before (ISO 8601). */
  from: z.coerce.date({ error: "must be a date and time" }).optional(),
  to: z.coerce.date({ error: "must be a date and time" }).optional(),
  /** A run id (or its beginning), or the value of an input the workflow declares searchable. */
  q: z.string().trim().max(200).optional(),
  limit: z.number().int().min(1).max(200).default(50),
  /** The id of the last run of the previous page. */
  cursor: z.string().uuid().optional(),
});

export const HistoryInputSchema = z.object({
  runId: z.string().uuid("must be a run id"),
  afterSeq: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(1000).default(200),
});

/** A run with its version and its open tasks (closed ones leave the table; history has every attempt). */
export async function getRun(deps: ServiceDeps, runId: string) {
  const run = await deps.prisma.run.findUnique({ where: { id: runId }, include: { version: { select: { version: true, workflowId: true, graph: true } } } });
  if (!run) throw new AppError("NOT_FOUND", { message: `There is no run ${runId}.` });
  const tasks = await deps.prisma.task.findMany({ where: { runId }, orderBy: { createdAt: "asc" } });
  return { ...run, tasks };
}

/** Names of the inputs declared searchable, in the versions of one workflow or of all. */
async function searchableInputs(deps: ServiceDeps, workflowId?: string): Promise<string[]> {
  const versions = await deps.prisma.workflowVersion.findMany({ where: workflowId ? { workflowId } : {}, select: { graph: true } });
  const names = new Set<string>();
  for (const v of versions) for (const [name, field] of Object.entries((v.graph as WorkflowGraph).input ?? {})) if (field.searchable) names.add(name);
  return [...names];
}

/** Runs, newest first, filtered; with counts per status under the same filters (but the status). */
export async function listRuns(deps: ServiceDeps, input: z.input<typeof ListRunsInputSchema>, principal?: Principal) {
  const a = ListRunsInputSchema.parse(input);
  const where: Prisma.RunWhereInput = {
    ...(principal ? { AND: [{ version: { workflow: usableWorkflows(principal, "run.read") } }] } : {}),
    ...(a.workflowId ? { workflowId: a.workflowId } : {}),
    ...(a.version ? { version: { version: a.version, ...(a.workflowId ? { workflowId: a.workflowId } : {}) } } : {}),
    ...(a.from || a.to ? { createdAt: { ...(a.from ? { gte: a.from } : {}), ...(a.to ? { lt: a.to } : {}) } } : {}),
  };
  if (a.q) {
    const byId = /^[0-9a-f-]{8,36}$/i.test(a.q) ? (a.q.length === 36 ? [{ id: a.q }] : []) : [];
    const keys = await searchableInputs(deps, a.workflowId);
    const asNumber = Number(a.q);
    const values: unknown[] = [a.q, ...(a.q !== "" && Number.isFinite(asNumber) ? [asNumber] : []), ...(a.q === "true" || a.q === "false" ? [a.q === "true"] : [])];
    const byInput = keys.flatMap((key) => values.map((value) => ({ input: { path: [key], equals: value as Prisma.InputJsonValue } })));
    const prefix = /^[0-9a-f-]{4,35}$/i.test(a.q) ? await idsWithPrefix(deps, a.q.toLowerCase()) : [];
    where.OR = [...byId, ...byInput, ...(prefix.length ? [{ id: { in: prefix } }] : [])];
    if (!where.OR.length) where.OR = [{ id: "00000000-0000-0000-0000-000000000000" }];
  }
  const [rows, counts] = await Promise.all([
    deps.prisma.run.findMany({
      where: { ...where, ...(a.status ? { status: a.status } : {}) },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: a.limit + 1,
      ...(a.cursor ? { cursor: { id: a.cursor }, skip: 1 } : {}),
      select: { id: true, workflowId: true, status: true, createdAt: true, updatedAt: true, completedAt: true, lastSeq: true, error: true, input: true, version: { select: { version: true, workflow: { select: { name: true, slug: true } } } } },
    }),
    deps.prisma.run.groupBy({ by: ["status"], where, _count: { _all: true } }),
  ]);
  return {
    runs: rows.slice(0, a.limit).map(({ version, ...r }) => ({ ...r, version: version.version, workflowName: version.workflow.name })),
    nextCursor: rows.length > a.limit ? rows[a.limit - 1]!.id : null,
    counts: Object.fromEntries(STATUSES.map((s) => [s, counts.find((c) => c.status === s)?._count._all ?? 0])) as Record<(typeof STATUSES)[number], number>,
  };
}

async function idsWithPrefix(deps: ServiceDeps, prefix: string): Promise<string[]> {
  const rows = await deps.prisma.$queryRaw<Array<{ id: string }>>`SELECT id FROM runs WHERE id::text LIKE ${`${prefix.replace(/[%_]/g, "")}%`} ORDER BY created_at DESC LIMIT 200`;
  return rows.map((r) => r.id);
}

/** Human tasks waiting for a decision: the inbox of operators and above. */
export async function inbox(deps: ServiceDeps, principal?: Principal) {
  const tasks = await deps.prisma.task.findMany({
    where: { kind: "approval", status: "waiting", run: { status: { in: ["running", "paused"] }, ...(principal ? { version: { workflow: usableWorkflows(principal, "run.operate") } } : {}) } },
    orderBy: { scheduledAt: "asc" },
    take: 500,
    select: { id: true, nodeId: true, scheduledAt: true, run: { select: { id: true, variables: true, versionId: true, version: { select: { version: true, workflow: { select: { name: true } } } } } } },
  });
  const out = [];
  for (const t of tasks) {
    const v = await loadVersion(deps.prisma, t.run.versionId);
    const node = v.nodes.get(t.nodeId);
    out.push({ taskId: t.id, runId: t.run.id, nodeId: t.nodeId, label: node?.label ?? t.nodeId, assigneeRole: (node?.config?.assigneeRole as string | undefined) ?? null, workflowName: t.run.version.workflow.name, version: t.run.version.version, waitingSince: t.scheduledAt, variables: t.run.variables as Record<string, unknown> });
  }
  return out;
}

export async function runHistory(deps: ServiceDeps, input: z.input<typeof HistoryInputSchema>) {
  const a = HistoryInputSchema.parse(input);
  if (!(await deps.prisma.run.findUnique({ where: { id: a.runId }, select: { id: true } }))) throw new AppError("NOT_FOUND", { message: `There is no run ${a.runId}.` });
  const events = await readHistory(deps.prisma, a.runId, { afterSeq: a.afterSeq, limit: a.limit });
  return { events, nextSeq: events.length ? events[events.length - 1]!.seq : a.afterSeq };
}

export function queryRun(deps: ServiceDeps, runId: string) {
  return engineQuery(deps, runId);
}
