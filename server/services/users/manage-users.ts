/**
 * People, for admins: change a role, disable or enable an account, set a new password, revoke
 * sessions. Each change writes its audit row in the same transaction. An admin cannot lock the
 * organisation out: the last enabled admin keeps their role and account.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { AppError } from "../../../lib/errors";
import { ROLES } from "../../../lib/policy";
import type { Tx } from "../../db/database";
import { recordAudit } from "../audit";
import { hashPassword } from "../auth/password";
import type { Actor, RequestMeta, ServiceDeps } from "../deps";

const UserId = z.string().uuid("must be a user id");

export const SetRoleInputSchema = z.object({ userId: UserId, role: z.enum(ROLES, { error: `must be one of ${ROLES.join(", ")}` }) });
export const SetDisabledInputSchema = z.object({ userId: UserId, disabled: z.boolean() });
export const ResetPasswordInputSchema = z.object({
  userId: UserId,
  /** The new password; one is generated (and returned once) when omitted. */
  password: z.string().min(12, "must be at least 12 characters").max(1024).optional(),
});
export const RevokeSessionsInputSchema = z.object({ userId: UserId });

async function target(tx: Tx, userId: string) {
  const u = await tx.user.findUnique({ where: { id: userId }, select: { id: true, email: true, role: true, disabled: true } });
  if (!u) throw new AppError("NOT_FOUND", { message: `There is no person ${userId}.` });
  return u;
}

/** Refuses a change that would leave no enabled admin. */
async function keepAnAdmin(tx: Tx, userId: string) {
  const others = await tx.user.count({ where: { role: "admin", disabled: false, id: { not: userId } } });
  if (others === 0) throw new AppError("CONFLICT", { message: "This is the last enabled admin: make someone else an admin first." });
}

async function revokeAll(tx: Tx, userId: string, now: Date): Promise<number> {
  const r = await tx.session.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: now } });
  return r.count;
}

export function setRole(deps: ServiceDeps, actor: Actor, meta: RequestMeta, input: z.input<typeof SetRoleInputSchema>) {
  const a = SetRoleInputSchema.parse(input);
  const now = deps.now();
  return deps.prisma.$transaction(async (tx) => {
    const u = await target(tx, a.userId);
    if (u.role === a.role) return { id: u.id, role: u.role };
    if (u.role === "admin") await keepAnAdmin(tx, u.id);
    await tx.user.update({ where: { id: u.id }, data: { role: a.role } });
    await recordAudit(tx, actor, meta, { action: "user.role", targetType: "user", targetId: u.id, before: { role: u.role }, after: { role: a.role } }, now);
    return { id: u.id, role: a.role };
  });
}

/** Disables (and signs out everywhere) or enables an account. */
export function setDisabled(deps: ServiceDeps, actor: Actor, meta: RequestMeta, input: z.input<typeof SetDisabledInputSchema>) {
  const a = SetDisabledInputSchema.parse(input);
  const now = deps.now();
  return deps.prisma.$transaction(async (tx) => {
    const u = await target(tx, a.userId);
    if (u.disabled === a.disabled) return { id: u.id, disabled: u.disabled };
    if (a.disabled && u.role === "admin") await keepAnAdmin(tx, u.id);
    await tx.user.update({ where: { id: u.id }, data: { disabled: a.disabled } });
    const revoked = a.disabled ? await revokeAll(tx, u.id, now) : 0;
    await recordAudit(tx, actor, meta, { action: a.disabled ? "user.disable" : "user.enable", targetType: "user", targetId: u.id, before: { disabled: u.disabled }, after: { disabled: a.disabled, sessionsRevoked: revoked } }, now);
    return { id: u.id, disabled: a.disabled };
  });
}

/** Sets a new password and revokes the person's sessions; a generated one is returned once. */
export async function resetPassword(deps: ServiceDeps, actor: Actor, meta: RequestMeta, input: z.input<typeof ResetPasswordInputSchema>) {
  const a = ResetPasswordInputSchema.parse(input);
  const password = a.password ?? randomBytes(18).toString("base64url");
  const passwordHash = await hashPassword(password);
  const now = deps.now();
  return deps.prisma.$transaction(async (tx) => {
    const u = await target(tx, a.userId);
    await tx.user.update({ where: { id: u.id }, data: { passwordHash } });
    const revoked = await revokeAll(tx, u.id, now);
    await recordAudit(tx, actor, meta, { action: "user.password.reset", targetType: "user", targetId: u.id, after: { sessionsRevoked: revoked, generated: !a.password } }, now);
    return { id: u.id, ...(a.password ? {} : { password }) };
  });
}

export function revokeSessions(deps: ServiceDeps, actor: Actor, meta: RequestMeta, input: z.input<typeof RevokeSessionsInputSchema>) {
  const a = RevokeSessionsInputSchema.parse(input);
  const now = deps.now();
  return deps.prisma.$transaction(async (tx) => {
    const u = await target(tx, a.userId);
    const revoked = await revokeAll(tx, u.id, now);
    await recordAudit(tx, actor, meta, { action: "user.sessions.revoke", targetType: "user", targetId: u.id, after: { sessionsRevoked: revoked } }, now);
    return { id: u.id, revoked };
  });
}
