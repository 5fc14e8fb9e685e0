/** Who is calling, derived once from a context: the policy's principal and the audit's actor. */
import type { Principal } from "../../lib/policy";
import type { ResolvedSession } from "../services/auth/resolve-session";
import type { Actor } from "../services/deps";

/** The principal of a signed-in session (no token limits). */
export function sessionPrincipal(session: ResolvedSession | null): Principal | null {
  return session ? { userId: session.user.id, role: session.user.role } : null;
}

/** The actor audit rows name: the API token's (with its maker), else the session's person. */
export function callerActor(ctx: { session: ResolvedSession | null; tokenActor?: Actor & { type: "user" } }): Actor & { type: "user" } {
  if (ctx.tokenActor) return ctx.tokenActor;
  const s = ctx.session;
  if (!s) throw new Error("callerActor needs a session or a token");
  return { type: "user", userId: s.user.id, email: s.user.email, role: s.user.role, sessionId: s.sessionId };
}
