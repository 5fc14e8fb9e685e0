/**
 * API tokens for programs. A token acts for the person who made it, limited to its scopes (a
 * subset of that person's permissions) and, when set, to one workflow. The token is
 * `ptk_` + 256 random bits, shown once; only its SHA-256 is stored. Revocable, expiring; the last
 * use is recorded (at most once a minute).
 */
import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { AppError } from "../../../lib/errors";
import { can, decide, isPermission, NOT_FOR_TOKENS, PERMISSIONS, type Permission, type Principal, type Role } from "../../../lib/policy";
import { recordAudit } from "../audit";
import { workflowAccess } from "../access/workflow-access";
import type { Actor, RequestMeta, ServiceDeps } from "../deps";

export const TOKEN_PREFIX = "ptk_";
const TOUCH_INTERVAL_MS = 60_000;

export function hashApiToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export const CreateTokenInputSchema = z.object({
  name: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters"),
  scopes: z
    .array(z.string().refine(isPermission, { message: `is not a permission (known: ${Object.keys(PERMISSIONS).join(", ")})` }))
    .min(1, "must name at least one permission")
    .max(Object.keys(PERMISSIONS).length),
  workflowId: z.string().uuid("must be a workflow id").nullish(),
  /** Days until it expires (1 to 366); no expiry when omitted. */
  expiresInDays: z.number().int().min(1, "must be at least 1 day").max(366, "must be at most 366 days").optional(),
});

type UserActor = Extract<Actor, { type: "user" }>;

function person(actor: Actor): UserActor {
  if (actor.type !== "user" || actor.token) throw new AppError("FORBIDDEN", { message: "API tokens are made by people, not by other tokens." });
  return actor;
}

/** Creates a token; the only time its value is returned. Scopes beyond the maker's own permissions are refused. */
export async function createApiToken(deps: ServiceDeps, actor: Actor, meta: RequestMeta, input: z.input<typeof CreateTokenInputSchema>) {
  const me = person(actor);
  const args = CreateTokenInputSchema.parse(input);
  const scopes = [...new Set(args.scopes)] as Permission[];
  const refused = scopes.filter((s) => NOT_FOR_TOKENS.has(s));
  if (refused.length) throw new AppError("INVALID_INPUT", { message: `API tokens cannot be given ${refused.join(", ")}.`, details: { fields: [{ path: "scopes", message: `includes ${refused.join(", ")}` }] } });
  const beyond = scopes.filter((s) => !can(me.role, s));
  if (args.workflowId) {
    const access = await workflowAccess(deps.prisma, me.userId, args.workflowId);
    const principal: Principal = { userId: me.userId, role: me.role };
    if (!access || !decide(principal, "workflow.read", access).allowed) throw new AppError("NOT_FOUND", { message: `There is no workflow ${args.workflowId}.`, details: { fields: [{ path: "workflowId", message: "names no workflow you can see" }] } });
    // On its own workflow, a token may hold what the maker's grant gives there.
    for (let i = beyond.length - 1; i >= 0; i--) if (decide(principal, beyond[i]!, access).allowed) beyond.splice(i, 1);
  }
  if (beyond.length) {
    throw new AppError("FORBIDDEN", { message: `A token cannot hold permissions its maker lacks: ${beyond.join(", ")}.`, details: { fields: [{ path: "scopes", message: `includes ${beyond.join(", ")}` }] } });
  }
  const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  const now = deps.now();
  const expiresAt = args.expiresInDays ? new Date(now.getTime() + args.expiresInDays * 86_400_000) : null;
  const row = await deps.prisma.$transaction(async (tx) => {
    const created = await tx.apiToken.create({
      data: { name: args.name, userId: me.userId, tokenHash: hashApiToken(token), prefix: token.slice(0, 10), scopes, workflowId: args.workflowId ?? null, expiresAt, createdAt: now },
      select: TOKEN_FIELDS,
    });
    await recordAudit(tx, actor, meta, { action: "token.create", targetType: "token", targetId: created.id, after: { name: created.name, scopes, workflowId: created.workflowId, expiresAt } }, now);
    return created;
  });
  return { ...row, token };
}

const TOKEN_FIELDS = { id: true, name: true, prefix: true, scopes: true, workflowId: true, expiresAt: true, revokedAt: true, lastUsedAt: true, createdAt: true, user: { select: { id: true, email: true } } } as const;

/** The caller's tokens — or everyone's, for an admin asking for all. Never the token values. */
export async function listApiTokens(deps: ServiceDeps, actor: Actor, input?: { all?: boolean }) {
  const me = person(actor);
  const all = input?.all === true && me.role === "admin";
  return deps.prisma.apiToken.findMany({ where: all ? {} : { userId: me.userId }, orderBy: { createdAt: "desc" }, select: TOKEN_FIELDS, take: 1000 });
}

export const RevokeTokenInputSchema = z.object({ tokenId: z.string().uuid("must be a token id") });

/** Revokes a token: its maker's own, or any, for an admin. Revoking twice is a no-op answer, not an error. */
export async function revokeApiToken(deps: ServiceDeps, actor: Actor, meta: RequestMeta, input: z.input<typeof RevokeTokenInputSchema>) {
  const me = person(actor);
  const { tokenId } = RevokeTokenInputSchema.parse(input);
  const now = deps.now();
  return deps.prisma.$transaction(async (tx) => {
    const row = await tx.apiToken.findUnique({ where: { id: tokenId }, select: { id: true, userId: true, name: true, revokedAt: true } });
    if (!row || (row.userId !== me.userId && me.role !== "admin")) throw new AppError("NOT_FOUND", { message: `There is no token ${tokenId}.` });
    if (row.revokedAt) return { revoked: true, at: row.revokedAt };
    await tx.apiToken.update({ where: { id: tokenId }, data: { revokedAt: now } });
    await recordAudit(tx, actor, meta, { action: "token.revoke", targetType: "token", targetId: tokenId, before: { name: row.name, revokedAt: null }, after: { revokedAt: now } }, now);
    return { revoked: true, at: now };
  });
}

export type TokenIdentity = { principal: Principal; actor: UserActor };

/** The principal and actor of a bearer token; null when unknown, revoked, expired, or its maker is disabled. */
export async function resolveApiToken(deps: ServiceDeps, token: string): Promise<TokenIdentity | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const row = await deps.prisma.apiToken.findUnique({ where: { tokenHash: hashApiToken(token) }, include: { user: { select: { id: true, email: true, role: true, disabled: true } } } });
  const now = deps.now();
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= now) || row.user.disabled) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
    await deps.prisma.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  const role = row.user.role as Role;
  const scopes = new Set<Permission>(row.scopes.filter(isPermission));
  return {
    principal: { userId: row.user.id, role, token: { scopes, workflowId: row.workflowId } },
    actor: { type: "user", userId: row.user.id, email: row.user.email, role, token: { id: row.id, name: row.name } },
  };
}
