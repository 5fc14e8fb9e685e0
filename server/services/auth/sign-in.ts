import { z } from "zod";
import { AppError } from "../../../lib/errors";
import type { Role } from "../../../lib/policy";
import { recordAudit } from "../audit";
import type { RequestMeta, ServiceDeps } from "../deps";
import { decoyHash, verifyPassword } from "./password";
import { hashSessionToken, newSessionToken } from "./session-token";
import { signInLimiter } from "./sign-in-limiter";

export const SignInInputSchema = z.object({
  email: z.string().trim().toLowerCase().max(320, "must be at most 320 characters").pipe(z.email("must be an email address")),
  password: z.string().min(1, "must not be empty").max(1024),
});
export type SignInInput = z.infer<typeof SignInInputSchema>;

export type SignInResult = {
  token: string;
  expiresAt: Date;
  user: { id: string; email: string; name: string; role: Role };
};

const INVALID = "Email or password is incorrect.";

/**
 * Checks the password, opens a server-side session and audits the attempt. Unknown account,
 * wrong password and disabled account answer the same INVALID_CREDENTIALS, in about the same
 * time (a decoy hash is verified when there is no account).
 */
export async function signIn(deps: ServiceDeps, meta: RequestMeta, input: SignInInput): Promise<SignInResult> {
  const limiter = signInLimiter(deps);
  const now = deps.now();
  try {
    await limiter.check(input.email, meta.ip);
  } catch (error) {
    await deps.prisma.$transaction((tx) =>
      recordAudit(tx, { type: "anonymous" }, meta, { action: "auth.sign_in_failed", targetType: "user", after: { email: input.email, reason: "rate_limited" } }, now),
    );
    throw error;
  }

  const user = await deps.prisma.user.findUnique({ where: { email: input.email } });
  const passwordOk = await verifyPassword(user?.passwordHash ?? (await decoyHash()), input.password);
  const reason = !user ? "unknown_account" : !passwordOk ? "wrong_password" : user.disabled ? "account_disabled" : null;

  if (reason || !user) {
    await limiter.recordFailure(input.email, meta.ip);
    await deps.prisma.$transaction((tx) =>
      recordAudit(tx, { type: "anonymous" }, meta, { action: "auth.sign_in_failed", targetType: "user", targetId: user?.id ?? null, after: { email: input.email, reason } }, now),
    );
    throw new AppError("INVALID_CREDENTIALS", { message: INVALID });
  }

  const token = newSessionToken();
  const expiresAt = new Date(now.getTime() + deps.config.sessionTtlMs);
  await deps.prisma.$transaction(async (tx) => {
    const session = await tx.session.create({
      data: { tokenHash: hashSessionToken(token), userId: user.id, createdAt: now, lastSeenAt: now, expiresAt, ip: meta.ip, userAgent: meta.userAgent },
    });
    await tx.user.update({ where: { id: user.id }, data: { lastSignInAt: now } });
    await recordAudit(
      tx,
      { type: "user", userId: user.id, email: user.email, role: user.role, sessionId: session.id },
      meta,
      { action: "auth.sign_in", targetType: "session", targetId: session.id, after: { expiresAt } },
      now,
    );
  });
  await limiter.recordSuccess(input.email);
  return { token, expiresAt, user: { id: user.id, email: user.email, name: user.name, role: user.role } };
}
