/**
 * The designer's use-cases: open a workflow (draft, revision, versions), save the draft with
 * optimistic concurrency, rename it, read a version, restore a version as the draft, and the
 * catalogue of node-type plugins (for the palette and the inspector's generated forms).
 * Every change writes its audit row in the same transaction.
 */
import { z } from "zod";
import { AppError } from "../../../lib/errors";
import { parseWorkflow, type WorkflowGraph } from "../../../lib/workflow/schema";
import type { Prisma } from "../../db/database";
import { recordAudit } from "../audit";
import type { Actor, RequestMeta, ServiceDeps } from "../deps";

const WorkflowIdSchema = z.string().uuid("must be a workflow id");

export const GetWorkflowInputSchema = z.object({ workflowId: WorkflowIdSchema });

/** A workflow as the designer opens it: the draft and its revision, and its published versions. */
export async function getWorkflow(deps: ServiceDeps, input: z.infer<typeof GetWorkflowInputSchema>) {
  const w = await deps.prisma.workflow.findUnique({
    where: { id: input.workflowId },
    include: {
      owner: { select: { email: true, name: true } },
      versions: { orderBy: { version: "desc" }, select: { id: true, version: true, hash: true, sound: true, createdAt: true, createdById: true } },
    },
  });
  if (!w) throw new AppError("NOT_FOUND", { message: `There is no workflow ${input.workflowId}.` });
  const authors = await deps.prisma.user.findMany({ where: { id: { in: w.versions.map((v) => v.createdById).filter((x): x is string => !!x) } }, select: { id: true, email: true } });
  const email = new Map(authors.map((a) => [a.id, a.email]));
  return {
    id: w.id,
    slug: w.slug,
    name: w.name,
    description: w.description,
    status: w.status,
    owner: w.owner,
    graph: w.graph as WorkflowGraph,
    revision: w.revision,
    updatedAt: w.updatedAt,
    versions: w.versions.map((v) => ({ id: v.id, version: v.version, hash: v.hash, sound: v.sound, createdAt: v.createdAt, createdBy: v.createdById ? (email.get(v.createdById) ?? null) : null })),
  };
}

export const SaveDraftInputSchema = z.object({
  workflowId: WorkflowIdSchema,
  /** The revision the editor started from; a save on top of a newer one is refused. */
  revision: z.number().int().positive(),
  graph: z.unknown(),
});

function conflict(current: number, expected: number): AppError {
  return new AppError("CONFLICT", {
    message: `This workflow was changed elsewhere (it is at revision ${current}; this editor has ${expected}). Reload to see the latest; your changes stay in this tab until you do.`,
    details: { revision: current },
  });
}

/** Saves the draft if it is still at `revision`; returns the new revision. Never overwrites a newer draft. */
export async function saveDraft(deps: ServiceDeps, actor: Actor, meta: RequestMeta, raw: z.input<typeof SaveDraftInputSchema>) {
  const input = SaveDraftInputSchema.parse(raw);
  const parsed = parseWorkflow(input.graph);
  if (!parsed.ok) {
    throw new AppError("INVALID_INPUT", { message: `The draft is not valid: ${parsed.issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`).join("; ")}`, details: { fields: parsed.issues.map((i) => ({ path: `graph.${i.path}`, message: i.message })) } });
  }
  const now = deps.now();
  return deps.prisma.$transaction(async (tx) => {
    const updated = await tx.workflow.updateMany({
      where: { id: input.workflowId, revision: input.revision },
      data: { graph: parsed.graph as unknown as Prisma.InputJsonObject, revision: { increment: 1 }, updatedAt: now },
    });
    if (updated.count === 0) {
      const current = await tx.workflow.findUnique({ where: { id: input.workflowId }, select: { revision: true } });
      if (!current) throw new AppError("NOT_FOUND", { message: `There is no workflow ${input.workflowId}.` });
      throw conflict(current.revision, input.revision);
    }
    const revision = input.revision + 1;
    await recordAudit(tx, actor, meta, { action: "workflow.edit", targetType: "workflow", targetId: input.workflowId, before: { revision: input.revision }, after: { revision, nodes: parsed.graph.nodes.length, edges: parsed.graph.edges.length } }, now);
    return { revision, savedAt: now };
  });
}

export const RenameWorkflowInputSchema = z.object({
  workflowId: WorkflowIdSchema,
  name: z.string().trim().min(1, "must not be empty").max(120, "must be at most 120 characters"),
  description: z.string().trim().max(2000, "must be at most 2000 characters").optional(),
});

export async function renameWorkflow(deps: ServiceDeps, actor: Actor, meta: RequestMeta, raw: z.input<typeof RenameWorkflowInputSchema>) {
  const input = RenameWorkflowInputSchema.parse(raw);
  const now = deps.now();
  return deps.prisma.$transaction(async (tx) => {
    const before = await tx.workflow.findUnique({ where: { id: input.workflowId }, select: { name: true, description: true } });
    if (!before) throw new AppError("NOT_FOUND", { message: `There is no workflow ${input.workflowId}.` });
    const after = { name: input.name, description: input.description ?? before.description };
    await tx.workflow.update({ where: { id: input.workflowId }, data: after });
    await recordAudit(tx, actor, meta, { action: "workflow.rename", targetType: "workflow", targetId: input.workflowId, before, after }, now);
    return after;
  });
}

export const VersionInputSchema = z.object({ workflowId: WorkflowIdSchema, version: z.number().int().positive("must be a version number") });

/** One published version's graph (read-only in the designer, and one side of a diff). */
export async function getVersion(deps: ServiceDeps, input: z.infer<typeof VersionInputSchema>) {
  const v = await deps.prisma.workflowVersion.findUnique({ where: { workflowId_version: { workflowId: input.workflowId, version: input.version } }, select: { id: true, version: true, graph: true, hash: true, sound: true, createdAt: true } });
  if (!v) throw new AppError("NOT_FOUND", { message: `Workflow ${input.workflowId} has no version ${input.version}.` });
  return { ...v, graph: v.graph as WorkflowGraph };
}

export const RestoreVersionInputSchema = VersionInputSchema.extend({ revision: z.number().int().positive() });

/** Makes a published version the draft again (a new revision; the versions are untouched). */
export async function restoreVersion(deps: ServiceDeps, actor: Actor, meta: RequestMeta, raw: z.input<typeof RestoreVersionInputSchema>) {
  const input = RestoreVersionInputSchema.parse(raw);
  const v = await getVersion(deps, input);
  const now = deps.now();
  return deps.prisma.$transaction(async (tx) => {
    const updated = await tx.workflow.updateMany({ where: { id: input.workflowId, revision: input.revision }, data: { graph: v.graph as unknown as Prisma.InputJsonObject, revision: { increment: 1 }, updatedAt: now } });
    if (updated.count === 0) {
      const current = await tx.workflow.findUniqueOrThrow({ where: { id: input.workflowId }, select: { revision: true } });
      throw conflict(current.revision, input.revision);
    }
    await recordAudit(tx, actor, meta, { action: "workflow.restore", targetType: "workflow", targetId: input.workflowId, before: { revision: input.revision }, after: { revision: input.revision + 1, fromVersion: v.version } }, now);
    return { revision: input.revision + 1, graph: v.graph };
  });
}

/** The installed node-type plugins, their configuration as JSON Schema (the inspector builds its form from it). */
export function listPlugins(deps: ServiceDeps) {
  return deps.plugins.list().map((p) => {
    let configSchema: unknown = { type: "object" };
    try {
      configSchema = z.toJSONSchema(p.configSchema, { unrepresentable: "any", io: "input" });
    } catch {
      // A schema JSON Schema cannot express: the inspector falls back to a JSON editor.
    }
    return { type: p.type, title: p.title, description: p.description, configSchema };
  });
}
