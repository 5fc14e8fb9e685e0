import { z } from "zod";
import { AppError } from "../../../lib/errors";
import type { WorkflowGraph } from "../../../lib/workflow/schema";
import type { PrismaClient } from "../../db/database";
import { startRun as engineStartRun, startRunOneStatement } from "../../engine/engine";
import { loadVersion } from "../../engine/version-cache";
import { auditRow, recordAudit } from "../audit";
import type { Actor, RequestMeta, ServiceDeps } from "../deps";

export const StartRunInputSchema = z.object({
  workflowId: z.string().uuid("must be a workflow id"),
  /** A published version number; default: the latest. */
  version: z.number().int().positive().optional(),
  input: z.record(z.string(), z.unknown()).default({}),
});
export type StartRunInput = z.input<typeof StartRunInputSchema>;

const TYPE_CHECK: Record<string, (v: unknown) => boolean> = {
  string: (v) => typeof v === "string",
  number: (v) => typeof v === "number" && Number.isFinite(v),
  boolean: (v) => typeof v === "boolean",
  object: (v) => typeof v === "object" && v !== null && !Array.isArray(v),
  array: (v) => Array.isArray(v),
  any: () => true,
};

/** Checks a run's input against the workflow's declared inputs; every problem names its field. */
export function inputProblems(graph: WorkflowGraph, input: Record<string, unknown>): Array<{ path: string; message: string }> {
  const declared = graph.input ?? {};
  const out: Array<{ path: string; message: string }> = [];
  for (const [name, field] of Object.entries(declared)) {
    const v = input[name];
    if (v === undefined || v === null) {
      if (field.required) out.push({ path: `input.${name}`, message: "is required" });
      continue;
    }
    if (!TYPE_CHECK[field.type]!(v)) out.push({ path: `input.${name}`, message: `must be ${field.type === "array" || field.type === "object" ? "an" : "a"} ${field.type}` });
  }
  for (const name of Object.keys(input)) if (!(name in declared)) out.push({ path: `input.${name}`, message: `is not an input of this workflow (its inputs: ${Object.keys(declared).join(", ") || "none"})` });
  return out;
}

/**
 * The version a start of a workflow last found, per database and per (workflow, version asked):
 * the next start of it goes in one statement that checks the version still is the one meant (no
 * newer version when the latest is asked for, workflow not deleted), and forgets it when not.
 * `oneStatement` turns false for a version whose starts need the transaction (a sub-workflow or a
 * signal wait at once).
 */
type KnownVersion = { versionId: string; version: number; oneStatement: boolean };
const knownVersions = new WeakMap<PrismaClient, Map<string, KnownVersion>>();
function known(prisma: PrismaClient): Map<string, KnownVersion> {
  let m = knownVersions.get(prisma);
  if (!m) knownVersions.set(prisma, (m = new Map()));
  return m;
}

/** The run's input against the version's declared inputs (compiled once per process). */
async function checkInput(deps: ServiceDeps, versionId: string, input: Record<string, unknown>): Promise<void> {
  const { graph } = await loadVersion(deps.prisma, versionId);
  const problems = inputProblems(graph, input);
  if (problems.length) throw new AppError("INVALID_INPUT", { message: `Invalid input: ${problems.map((p) => `${p.path} ${p.message}`).join("; ")}`, details: { fields: problems } });
}

/** Starts a run of a published version, its input validated; audited in the same transaction. */
export async function startRun(deps: ServiceDeps, actor: Actor, meta: RequestMeta, raw: StartRunInput) {
  const args = StartRunInputSchema.parse(raw);
  const startedById = actor.type === "user" ? actor.userId : null;
  const audited = (runId: string, version: number) => ({ action: "run.start", targetType: "run", targetId: runId, after: { workflowId: args.workflowId, version } });
  const key = `${args.workflowId}:${args.version ?? "latest"}`;
  const remembered = known(deps.prisma).get(key);
  if (remembered?.oneStatement) {
    await checkInput(deps, remembered.versionId, args.input);
    const at = deps.now();
    const started = await startRunOneStatement(
      deps,
      { versionId: remembered.versionId, input: args.input, startedById, workflowId: args.workflowId, latest: args.version ? null : remembered.version },
      (id) => auditRow(actor, meta, audited(id, remembered.version), at),
    );
    if (typeof started === "object") return { runId: started.runId, version: remembered.version };
    if (started === "needs-transaction") remembered.oneStatement = false;
    else known(deps.prisma).delete(key);
  }
  const version = await deps.prisma.workflowVersion.findFirst({
    where: { workflowId: args.workflowId, ...(args.version ? { version: args.version } : {}) },
    orderBy: { version: "desc" },
    select: { id: true, version: true, workflow: { select: { status: true } } },
  });
  if (version?.workflow.status === "archived") throw new AppError("CONFLICT", { message: `Workflow ${args.workflowId} was deleted; it starts no new runs.` });
  if (!version) {
    throw new AppError("NOT_FOUND", { message: args.version ? `Workflow ${args.workflowId} has no version ${args.version}.` : `Workflow ${args.workflowId} has no published version; publish it first.` });
  }
  await checkInput(deps, version.id, args.input);
  const runId = await engineStartRun(deps, { versionId: version.id, input: args.input, startedById }, (tx, id) => recordAudit(tx, actor, meta, audited(id, version.version), deps.now()));
  if (known(deps.prisma).get(key)?.versionId !== version.id) known(deps.prisma).set(key, { versionId: version.id, version: version.version, oneStatement: true });
  return { runId, version: version.version };
}
