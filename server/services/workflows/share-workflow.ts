/**
 * Who may see and use a workflow: its visibility and per-person grants (lib/policy.ts). Changed
 * by admins and the workflow's owners; every change is audited in its transaction.
 */
import { z } from "zod";
import { AppError } from "../../../lib/errors";
import { decide, GRANTS, WORKFLOW_PERMISSIONS, type Principal } from "../../../lib/policy";
import { workflowAccess } from "../access/workflow-access";
import { recordAudit } from "../audit";
import type { Actor, RequestMeta, ServiceDeps } from "../deps";

const WorkflowId = z.string().uuid("must be a workflow id");

export const AccessInputSchema = z.object({ workflowId: WorkflowId });
export const SetVisibilityInputSchema = z.object({ workflowId: WorkflowId, visibility: z.enum(["organization", "restricted"], { error: "must be organization or restricted" }) });
export const SetGrantInputSchema = z.object({
  workflowId: WorkflowId,
  /** The person, by email. */
  email: z.string().trim().toLowerCase().max(320).pipe(z.email("must be an email address")),
  /** The grant, or null to remove it. */
  grant: z.enum(GRANTS, { error: `must be one of ${GRANTS.join(", ")}` }).nullable(),
});

/** The workflow's owner, visibility and grants, and what `principal` may do on it (`yours`). */
export async function workflowSharing(deps: ServiceDeps, input: z.input<typeof AccessInputSchema>, principal?: Principal) {
  const { workflowId } = AccessInputSchema.parse(input);
  const access = principal ? await workflowAccess(deps.prisma, principal.userId, workflowId) : null;
  const yours = principal && access ? [...WORKFLOW_PERMISSIONS].filter((p) => decide(principal, p, access).allowed) : [];
  const w = await deps.prisma.workflow.findUnique({
    where: { id: workflowId },
    select: { id: true, visibility: true, owner: { select: { id: true, email: true, name: true } }, grants: { orderBy: { createdAt: "asc" }, select: { level: true, createdAt: true, user: { select: { id: true, email: true, name: true } } } } },
  });
  if (!w) throw new AppError("NOT_FOUND", { message: `There is no workflow ${workflowId}.` });
  return { ...w, yours };
}

export function setVisibility(deps: ServiceDeps, actor: Actor, meta: RequestMeta, input: z.input<typeof SetVisibilityInputSchema>) {
  const a = SetVisibilityInputSchema.parse(input);
  const now = deps.now();
  return deps.prisma.$transaction(async (tx) => {
    const w = await tx.workflow.findUnique({ where: { id: a.workflowId }, select: { id: true, visibility: true } });
    if (!w) throw new AppError("NOT_FOUND", { message: `There is no workflow ${a.workflowId}.` });
    if (w.visibility === a.visibility) return { visibility: w.visibility };
    await tx.workflow.update({ where: { id: w.id }, data: { visibility: a.visibility } });
    await recordAudit(tx, actor, meta, { action: "workflow.visibility", targetType: "workflow", targetId: w.id, before: { visibility: w.visibility }, after: { visibility: a.visibility } }, now);
    return { visibility: a.visibility };
  });
}

/** Gives, changes or removes one person's grant. */
export function setGrant(deps: ServiceDeps, actor: Actor, meta: RequestMeta, input: z.input<typeof SetGrantInputSchema>) {
  const a = SetGrantInputSchema.parse(input);
  const now = deps.now();
  return deps.prisma.$transaction(async (tx) => {
    const w = await tx.workflow.findUnique({ where: { id: a.workflowId }, select: { id: true } });
    if (!w) throw new AppError("NOT_FOUND", { message: `There is no workflow ${a.workflowId}.` });
    const user = await tx.user.findUnique({ where: { email: a.email }, select: { id: true, email: true } });
    if (!user) throw new AppError("NOT_FOUND", { message: `Nobody has the email ${a.email}.`, details: { fields: [{ path: "email", message: "names nobody" }] } });
    const key = { workflowId_userId: { workflowId: w.id, userId: user.id } };
    const before = (await tx.workflowGrant.findUnique({ where: key, select: { level: true } }))?.level ?? null;
    if (before === a.grant) return { email: user.email, grant: before };
    if (a.grant) await tx.workflowGrant.upsert({ where: key, create: { workflowId: w.id, userId: user.id, level: a.grant, createdAt: now }, update: { level: a.grant } });
    else await tx.workflowGrant.delete({ where: key });
    await recordAudit(tx, actor, meta, { action: a.grant ? "grant.set" : "grant.remove", targetType: "workflow", targetId: w.id, before: { email: user.email, grant: before }, after: { email: user.email, grant: a.grant } }, now);
    return { email: user.email, grant: a.grant };
  });
}

export const DeleteWorkflowInputSchema = z.object({ workflowId: WorkflowId, reason: z.string().trim().max(500).default("") });

/**
 * Deletes a workflow for its users: it is archived — gone from lists, no new runs — while its
 * versions, runs and history stay for the record. Audited as `workflow.delete`.
 */
export function deleteWorkflow(deps: ServiceDeps, actor: Actor, meta: RequestMeta, input: z.input<typeof DeleteWorkflowInputSchema>) {
  const a = DeleteWorkflowInputSchema.parse(input);
  const now = deps.now();
  return deps.prisma.$transaction(async (tx) => {
    const w = await tx.workflow.findUnique({ where: { id: a.workflowId }, select: { id: true, name: true, status: true } });
    if (!w || w.status === "archived") throw new AppError("NOT_FOUND", { message: `There is no workflow ${a.workflowId}.` });
    await tx.workflow.update({ where: { id: w.id }, data: { status: "archived" } });
    await recordAudit(tx, actor, meta, { action: "workflow.delete", targetType: "workflow", targetId: w.id, before: { name: w.name, status: w.status }, after: { status: "archived", reason: a.reason } }, now);
    return { deleted: w.id };
  });
}
