import { recordAudit } from "../audit";
import type { Actor, RequestMeta, ServiceDeps } from "../deps";

/** Revokes the session (it stops working at once, in every process) and audits it. */
export async function signOut(deps: ServiceDeps, actor: Actor & { type: "user" }, meta: RequestMeta): Promise<void> {
  const sessionId = actor.sessionId;
  if (!sessionId) return;
  const now = deps.now();
  await deps.prisma.$transaction(async (tx) => {
    await tx.session.update({ where: { id: sessionId }, data: { revokedAt: now } });
    await recordAudit(tx, actor, meta, { action: "auth.sign_out", targetType: "session", targetId: sessionId }, now);
  });
}
