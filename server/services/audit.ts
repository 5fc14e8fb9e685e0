/**
 * The one audit helper. Every mutation calls it with ITS OWN transaction handle, so the audit
 * row commits or rolls back together with the change it describes.
 */
import type { Tx } from "../db/database";
import type { Actor, RequestMeta } from "./deps";

export type AuditEntry = {
  action: string;
  targetType: string;
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
};

function actorFields(actor: Actor) {
  switch (actor.type) {
    case "user":
      return actor.token
        ? { actorType: "token", actorId: actor.token.id, actorLabel: `${actor.email} (token "${actor.token.name}")` }
        : { actorType: "user", actorId: actor.userId, actorLabel: actor.email };
    case "system":
      return { actorType: "system", actorId: null, actorLabel: actor.label };
    case "anonymous":
      return { actorType: "anonymous", actorId: null, actorLabel: "anonymous" };
  }
}

/** JSON-safe copy (Dates to ISO strings, undefined dropped); Prisma's Json columns need it. */
function toJson(value: unknown): object | undefined {
  if (value === undefined || value === null) return undefined;
  return JSON.parse(JSON.stringify(value)) as object;
}

/** The audit row as audit_log's columns, for changes written by one SQL statement (see startRun). */
export function auditRow(actor: Actor, meta: RequestMeta, entry: AuditEntry, at: Date): Record<string, unknown> {
  const a = actorFields(actor);
  return {
    at: at.toISOString(),
    actor_type: a.actorType,
    actor_id: a.actorId,
    actor_label: a.actorLabel,
    action: entry.action,
    target_type: entry.targetType,
    target_id: entry.targetId ?? null,
    before: toJson(entry.before) ?? null,
    after: toJson(entry.after) ?? null,
    request_id: meta.requestId,
    ip: meta.ip ?? null,
    user_agent: meta.userAgent ?? null,
  };
}

export async function recordAudit(tx: Tx, actor: Actor, meta: RequestMeta, entry: AuditEntry, at: Date): Promise<void> {
  await tx.auditLog.create({
    data: {
      at,
      ...actorFields(actor),
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId ?? null,
      before: toJson(entry.before),
      after: toJson(entry.after),
      requestId: meta.requestId,
      ip: meta.ip,
      userAgent: meta.userAgent,
    },
  });
}
