/**
 * What the policy of lib/policy.ts needs from the database: a workflow's owner, visibility and the
 * caller's grant; which workflows a caller may use (as a Prisma filter for listings).
 */
import { GRANT_POLICY, GRANTS, can, type Grant, type Permission, type Principal, type WorkflowAccess } from "../../../lib/policy";
import type { Prisma, PrismaClient } from "../../db/database";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The workflow as the policy sees it for `userId`; null when there is none (or the id is malformed). */
export async function workflowAccess(prisma: PrismaClient, userId: string, workflowId: unknown): Promise<WorkflowAccess | null> {
  if (typeof workflowId !== "string" || !UUID.test(workflowId)) return null;
  return toAccess(await prisma.workflow.findUnique({ where: { id: workflowId }, select: accessFields(userId) }));
}

/** What the policy reads of a workflow, with `userId`'s grant. */
const accessFields = (userId: string) => ({ id: true, ownerId: true, visibility: true, grants: { where: { userId }, select: { level: true } } }) as const;

function toAccess(w: { id: string; ownerId: string; visibility: WorkflowAccess["visibility"]; grants: Array<{ level: string }> } | null | undefined): WorkflowAccess | null {
  return w ? { workflowId: w.id, ownerId: w.ownerId, visibility: w.visibility, grant: (w.grants[0]?.level as Grant | undefined) ?? null } : null;
}

/** The workflow of a run, as the policy sees it for `userId` (one query); null when there is no such run. */
export async function runAccess(prisma: PrismaClient, userId: string, runId: unknown): Promise<WorkflowAccess | null> {
  if (typeof runId !== "string" || !UUID.test(runId)) return null;
  const r = await prisma.run.findUnique({
    where: { id: runId },
    select: { version: { select: { workflow: { select: accessFields(userId) } } } },
  });
  return toAccess(r?.version.workflow);
}

/** Grants that give `permission`. */
export function grantsGiving(permission: Permission): Grant[] {
  return GRANTS.filter((g) => GRANT_POLICY[g].has(permission));
}

/** Whether `principal` holds (or owns) any workflow on which a grant gives `permission`. */
export async function holdsAnyGrant(prisma: PrismaClient, principal: Principal, permission: Permission): Promise<boolean> {
  const levels = grantsGiving(permission);
  if (!levels.length) return false;
  const [owned, granted] = await Promise.all([
    levels.includes("owner") ? prisma.workflow.count({ where: { ownerId: principal.userId }, take: 1 }) : 0,
    prisma.workflowGrant.count({ where: { userId: principal.userId, level: { in: levels } }, take: 1 }),
  ]);
  return owned + granted > 0;
}

/** Prisma filter of the workflows on which `principal` may use `permission` (for listings). */
export function usableWorkflows(principal: Principal, permission: Permission): Prisma.WorkflowWhereInput {
  const only: Prisma.WorkflowWhereInput = principal.token?.workflowId ? { id: principal.token.workflowId } : {};
  if (principal.token && !principal.token.scopes.has(permission)) return { id: { in: [] } };
  if (principal.role === "admin") return only;
  const levels = grantsGiving(permission);
  const any: Prisma.WorkflowWhereInput[] = [{ grants: { some: { userId: principal.userId, level: { in: levels } } } }];
  if (levels.includes("owner")) any.push({ ownerId: principal.userId });
  if (can(principal.role, permission)) any.push({ visibility: "organization" });
  return { AND: [only, { OR: any }] };
}
