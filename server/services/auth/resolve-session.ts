import type { Role } from "../../../lib/policy";
import type { ServiceDeps } from "../deps";
import { hashSessionToken } from "./session-token";

export type SessionUser = { id: string; email: string; name: string; role: Role };
export type ResolvedSession = { sessionId: string; expiresAt: Date; user: SessionUser };

/** Refresh last_seen_at at most this often, so page loads do not each write a row. */
const TOUCH_INTERVAL_MS = 60_000;

/** The live session for a cookie token, or null when it is unknown, revoked, expired or its user disabled. */
export async function resolveSession(deps: ServiceDeps, token: string | undefined | null): Promise<ResolvedSession | null> {
  if (!token || token.length > 200) return null;
  const row = await deps.prisma.session.findUnique({ where: { tokenHash: hashSessionToken(token) }, include: { user: true } });
  const now = deps.now();
  if (!row || row.revokedAt || row.expiresAt <= now || row.user.disabled) return null;
  if (now.getTime() - row.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
    await deps.prisma.session.update({ where: { id: row.id }, data: { lastSeenAt: now } });
  }
  return {
    sessionId: row.id,
    expiresAt: row.expiresAt,
    user: { id: row.user.id, email: row.user.email, name: row.user.name, role: row.user.role },
  };
}
