/**
 * THE enforcement point of lib/policy.ts, for tRPC procedures (HTTP and WebSocket) and REST
 * routes alike: the declared permission, the caller's role, grants and token scopes, and the
 * workflow the call acts on. Deny by default. A workflow the caller may not see answers
 * NOT_FOUND, as if it did not exist.
 */
import { AppError } from "../../lib/errors";
import { can, decide, WORKFLOW_PERMISSIONS, type Permission, type Principal, type WorkflowAccess } from "../../lib/policy";
import { holdsAnyGrant, runAccess, workflowAccess } from "../services/access/workflow-access";
import type { ServiceDeps } from "../services/deps";

/**
 * What a procedure or route declares: its permission, and what it acts on — one workflow (input
 * `workflowId`), one run (input `runId`), or a listing that shows only what the caller may use.
 */
export type AccessRule = { permission: Permission | "public"; on?: "workflow" | "run" | "list" };

/** Throws UNAUTHENTICATED, FORBIDDEN or NOT_FOUND unless the caller may make this call. */
export async function authorize(
  ctx: { deps: ServiceDeps; principal: Principal | null; authProblem?: string },
  rule: AccessRule | undefined,
  input: () => Promise<unknown>,
): Promise<void> {
  const permission = rule?.permission;
  if (!permission) throw new AppError("FORBIDDEN", { message: "This procedure declares no permission and is refused." });
  if (permission === "public") return;
  const principal = ctx.principal;
  if (!principal) throw new AppError("UNAUTHENTICATED", { message: ctx.authProblem ?? "Sign in to continue." });
  let target: WorkflowAccess | null = null;
  let named: { kind: string; id: string } | null = null;
  if (rule.on === "workflow" || rule.on === "run") {
    const raw = (await input()) as Record<string, unknown> | undefined;
    const id = rule.on === "workflow" ? raw?.workflowId : raw?.runId;
    target = rule.on === "workflow" ? await workflowAccess(ctx.deps.prisma, principal.userId, id) : await runAccess(ctx.deps.prisma, principal.userId, id);
    if (typeof id === "string") named = { kind: rule.on, id: id.slice(0, 64) };
  }
  const anyGrant = !target && WORKFLOW_PERMISSIONS.has(permission) && !can(principal.role, permission) && (await holdsAnyGrant(ctx.deps.prisma, principal, permission));
  const decision = decide(principal, permission, target, { anyGrant, listing: rule.on === "list" });
  if (decision.allowed) return;
  if (decision.hidden && named) throw new AppError("NOT_FOUND", { message: `There is no ${named.kind} ${named.id}.` });
  throw new AppError("FORBIDDEN", { message: decision.reason });
}
