import { randomBytes } from "node:crypto";
import { z } from "zod";
import { AppError } from "../../../lib/errors";
import { WorkflowGraphSchema, type WorkflowGraph } from "../../../lib/workflow/schema";
import type { Prisma, Tx } from "../../db/database";
import { recordAudit } from "../audit";
import type { Actor, RequestMeta, ServiceDeps } from "../deps";

export const CreateWorkflowInputSchema = z.object({
  name: z.string().trim().min(1, "must not be empty").max(120, "must be at most 120 characters"),
  description: z.string().trim().max(2000).default(""),
  /** A graph to start from; default: start -> end. */
  graph: WorkflowGraphSchema.optional(),
  /** Stable key; default: derived from the name. */
  slug: z.string().regex(/^[a-z0-9-]{1,80}$/, "may hold only a-z, 0-9 and -").optional(),
});
export type CreateWorkflowInput = z.input<typeof CreateWorkflowInputSchema>;

export const EMPTY_GRAPH: WorkflowGraph = {
  petrel: 1,
  nodes: [
    { id: "start", kind: "start", label: "Start", position: { x: 0, y: 0 } },
    { id: "end", kind: "end", label: "End", position: { x: 240, y: 0 } },
  ],
  edges: [{ id: "start-end", source: "start", target: "end", kind: "flow" }],
};

function slugify(name: string): string {
  const base = name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 60) || "workflow";
  return `${base}-${randomBytes(3).toString("hex")}`;
}

/** Creates a workflow draft owned by the actor (or `ownerId` for system seeds); audited. */
export async function createWorkflow(deps: ServiceDeps, actor: Actor, meta: RequestMeta, rawInput: CreateWorkflowInput, ownerId?: string) {
  const input = CreateWorkflowInputSchema.parse(rawInput);
  const owner = ownerId ?? (actor.type === "user" ? actor.userId : undefined);
  if (!owner) throw new AppError("INTERNAL", { message: "createWorkflow needs an owner." });
  return deps.prisma.$transaction((tx) => insertWorkflow(tx, deps.now(), actor, meta, input, owner));
}

/** The insert and its audit row, inside the caller's transaction. */
export async function insertWorkflow(tx: Tx, now: Date, actor: Actor, meta: RequestMeta, input: z.output<typeof CreateWorkflowInputSchema>, owner: string) {
  const slug = input.slug ?? slugify(input.name);
  if (await tx.workflow.findUnique({ where: { slug }, select: { id: true } })) {
    throw new AppError("CONFLICT", { message: `A workflow with the key ${slug} already exists.` });
  }
  const workflow = await tx.workflow.create({
    data: { slug, name: input.name, description: input.description, ownerId: owner, graph: (input.graph ?? EMPTY_GRAPH) as Prisma.InputJsonObject, createdAt: now },
    select: { id: true, slug: true, name: true, status: true },
  });
  await recordAudit(tx, actor, meta, { action: "workflow.create", targetType: "workflow", targetId: workflow.id, after: { name: input.name, slug } }, now);
  return workflow;
}
