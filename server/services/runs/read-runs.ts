/** Reading runs: one run, a list with cursor pagination, a page of history, a live query. */
import { z } from "zod";
import { AppError } from "../../../lib/errors";
import { queryRun as engineQuery } from "../../engine/engine";
import type { ServiceDeps } from "../deps";

export const ListRunsInputSchema = z.object({
  workflowId: z.string().uuid().optional(),
  status: z.enum(["running", "paused", "completed", "failed", "cancelled"]).optional(),
  limit: z.number().int().min(1).max(200).default(50),
  /** The id of the last run of the previous page. */
  cursor: z.string().uuid().optional(),
});

export const HistoryInputSchema = z.object({
  runId: z.string().uuid("must be a run id"),
  afterSeq: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(1000).default(200),
});

export async function getRun(deps: ServiceDeps, runId: string) {
  const run = await deps.prisma.run.findUnique({ where: { id: runId }, include: { version: { select: { version: true, workflowId: true, graph: true } } } });
  if (!run) throw new AppError("NOT_FOUND", { message: `There is no run ${runId}.` });
  const tasks = await deps.prisma.task.findMany({ where: { runId }, orderBy: { createdAt: "asc" } });
  return { ...run, tasks };
}

export async function listRuns(deps: ServiceDeps, input: z.input<typeof ListRunsInputSchema>) {
  const a = ListRunsInputSchema.parse(input);
  const rows = await deps.prisma.run.findMany({
    where: { ...(a.workflowId ? { workflowId: a.workflowId } : {}), ...(a.status ? { status: a.status } : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: a.limit + 1,
    ...(a.cursor ? { cursor: { id: a.cursor }, skip: 1 } : {}),
    select: { id: true, workflowId: true, status: true, createdAt: true, completedAt: true, lastSeq: true, error: true, version: { select: { version: true } } },
  });
  return { runs: rows.slice(0, a.limit), nextCursor: rows.length > a.limit ? rows[a.limit - 1]!.id : null };
}

export async function runHistory(deps: ServiceDeps, input: z.input<typeof HistoryInputSchema>) {
  const a = HistoryInputSchema.parse(input);
  if (!(await deps.prisma.run.findUnique({ where: { id: a.runId }, select: { id: true } }))) throw new AppError("NOT_FOUND", { message: `There is no run ${a.runId}.` });
  const events = await deps.prisma.runEvent.findMany({ where: { runId: a.runId, seq: { gt: a.afterSeq } }, orderBy: { seq: "asc" }, take: a.limit });
  return { events, nextSeq: events.length ? events[events.length - 1]!.seq : a.afterSeq };
}

export function queryRun(deps: ServiceDeps, runId: string) {
  return engineQuery(deps, runId);
}
