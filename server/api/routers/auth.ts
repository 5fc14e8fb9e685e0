import { signIn, SignInInputSchema } from "../../services/auth/sign-in";
import { signOut } from "../../services/auth/sign-out";
import { clearedSessionCookie, sessionCookie } from "../cookies";
import { open, router } from "../trpc";

export const authRouter = router({
  /** Signs in with email and password; sets the session cookie. A session the browser already had is revoked (rotation). */
  signIn: open()
    .input(SignInInputSchema)
    .mutation(async ({ ctx, input }) => {
      const result = await signIn(ctx.deps, ctx.meta, input);
      if (ctx.session) {
        const u = ctx.session.user;
        await signOut(ctx.deps, { type: "user", userId: u.id, email: u.email, role: u.role, sessionId: ctx.session.sessionId }, ctx.meta);
      }
      ctx.responseHeaders.append("Set-Cookie", sessionCookie(result.token, result.expiresAt, ctx.secureCookies));
      return { user: result.user, expiresAt: result.expiresAt };
    }),

  /** Ends the current session (revoked in the database) and clears the cookie. */
  signOut: open().mutation(async ({ ctx }) => {
    if (ctx.session) {
      const u = ctx.session.user;
      await signOut(ctx.deps, { type: "user", userId: u.id, email: u.email, role: u.role, sessionId: ctx.session.sessionId }, ctx.meta);
    }
    ctx.responseHeaders.append("Set-Cookie", clearedSessionCookie(ctx.secureCookies));
    return { signedOut: true };
  }),

  /** The signed-in person, or null. */
  me: open().query(({ ctx }) => (ctx.session ? { ...ctx.session.user, expiresAt: ctx.session.expiresAt } : null)),
});
