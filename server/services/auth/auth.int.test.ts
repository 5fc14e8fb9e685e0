import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeUser } from "../../../prisma/seed/factories";
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from "../../testing/databases";
import type { RequestMeta } from "../deps";
import { resolveSession } from "./resolve-session";
import { hashSessionToken } from "./session-token";
import { signIn } from "./sign-in";
import { signOut } from "./sign-out";
import { rejectsWithAppError } from "../../testing/errors";

const meta = (ip = "10.1.1.1"): RequestMeta => ({ requestId: "req-1", ip, userAgent: "vitest" });
const PASSWORD = "a-long-enough-password";

const failure = rejectsWithAppError;

describe.each(DATABASE_KINDS)("sign-in and sessions on %s", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind, { PETREL_SESSION_TTL_HOURS: "2" });
    await makeUser(t.deps, { email: "ada@example.com", name: "Ada", role: "editor", password: PASSWORD });
    await makeUser(t.deps, { email: "eve@example.com", name: "Eve", role: "viewer", password: PASSWORD });
  });
  afterAll(() => t.close());

  it("opens a session, stores only the token's hash, and audits it in the same transaction", async () => {
    const result = await signIn(t.deps, meta(), { email: "ada@example.com", password: PASSWORD });
    expect(result.user).toMatchObject({ email: "ada@example.com", role: "editor" });
    expect(result.expiresAt.getTime() - t.clock.now().getTime()).toBe(2 * 3600_000);
    const row = await t.deps.prisma.session.findUniqueOrThrow({ where: { tokenHash: hashSessionToken(result.token) } });
    expect(row.tokenHash).not.toContain(result.token);
    const audit = await t.deps.prisma.auditLog.findFirstOrThrow({ where: { action: "auth.sign_in", targetId: row.id } });
    expect(audit).toMatchObject({ actorType: "user", actorLabel: "ada@example.com", requestId: "req-1", ip: "10.1.1.1", userAgent: "vitest" });
    const resolved = await resolveSession(t.deps, result.token);
    expect(resolved?.user.email).toBe("ada@example.com");
  });

  it("answers a wrong password and an unknown account alike, and audits both", async () => {
    const wrong = await failure(signIn(t.deps, meta("10.2.0.1"), { email: "eve@example.com", password: "nope" }));
    const unknown = await failure(signIn(t.deps, meta("10.2.0.2"), { email: "nobody@example.com", password: "nope" }));
    expect([wrong.code, wrong.message]).toEqual(["INVALID_CREDENTIALS", "Email or password is incorrect."]);
    expect([unknown.code, unknown.message]).toEqual([wrong.code, wrong.message]);
    const rows = await t.deps.prisma.auditLog.findMany({ where: { action: "auth.sign_in_failed" }, orderBy: { id: "asc" } });
    expect(rows.map((r) => (r.after as { reason: string }).reason)).toEqual(["wrong_password", "unknown_account"]);
    expect(rows.every((r) => r.actorType === "anonymous")).toBe(true);
  });

  it("locks an account out after 5 failures in a minute, from any address, and lets it in again after the window", async () => {
    await makeUser(t.deps, { email: "bob@example.com", name: "Bob", role: "viewer", password: PASSWORD });
    for (let i = 0; i < 5; i++) {
      expect((await failure(signIn(t.deps, meta(`10.3.0.${i}`), { email: "bob@example.com", password: "wrong" }))).code).toBe("INVALID_CREDENTIALS");
    }
    const limited = await failure(signIn(t.deps, meta("10.3.9.9"), { email: "bob@example.com", password: PASSWORD }));
    expect(limited.code).toBe("RATE_LIMITED");
    expect(limited.details?.retryAfterSeconds).toBeGreaterThan(0);
    expect(limited.details?.retryAfterSeconds).toBeLessThanOrEqual(60);
    // The limiter's window is real time (its rows expire); wait it out by expiring the row as time would.
    await t.deps.prisma.rateLimit.updateMany({ where: { key: { contains: "bob@example.com" } }, data: { expire: new Date(Date.now() - 1000) } });
    const ok = await signIn(t.deps, meta("10.3.9.9"), { email: "bob@example.com", password: PASSWORD });
    expect(ok.user.email).toBe("bob@example.com");
  });

  it("limits one address that tries many accounts", async () => {
    const t2 = await openTestDatabase(kind, { PETREL_SIGNIN_MAX_FAILURES_PER_ADDRESS: "3" });
    try {
      for (let i = 0; i < 3; i++) await failure(signIn(t2.deps, meta("10.9.9.9"), { email: `u${i}@example.com`, password: "x" }));
      expect((await failure(signIn(t2.deps, meta("10.9.9.9"), { email: "other@example.com", password: "x" }))).code).toBe("RATE_LIMITED");
      expect((await failure(signIn(t2.deps, meta("10.9.9.8"), { email: "other@example.com", password: "x" }))).code).toBe("INVALID_CREDENTIALS");
    } finally {
      await t2.close();
    }
  });

  it("ends sessions when they expire, when revoked by sign-out, and when the account is disabled", async () => {
    const a = await signIn(t.deps, meta(), { email: "eve@example.com", password: PASSWORD });
    t.clock.advance(2 * 3600_000 - 1000);
    expect(await resolveSession(t.deps, a.token)).not.toBeNull();
    t.clock.advance(2000);
    expect(await resolveSession(t.deps, a.token)).toBeNull();

    const b = await signIn(t.deps, meta(), { email: "eve@example.com", password: PASSWORD });
    const s = (await resolveSession(t.deps, b.token))!;
    await signOut(t.deps, { type: "user", userId: s.user.id, email: s.user.email, role: s.user.role, sessionId: s.sessionId }, meta());
    expect(await resolveSession(t.deps, b.token)).toBeNull();
    expect(await t.deps.prisma.auditLog.count({ where: { action: "auth.sign_out", targetId: s.sessionId } })).toBe(1);

    const c = await signIn(t.deps, meta(), { email: "eve@example.com", password: PASSWORD });
    await t.deps.prisma.user.update({ where: { email: "eve@example.com" }, data: { disabled: true } });
    expect(await resolveSession(t.deps, c.token)).toBeNull();
    expect((await failure(signIn(t.deps, meta(), { email: "eve@example.com", password: PASSWORD }))).code).toBe("INVALID_CREDENTIALS");
  });

  it("ignores garbage tokens", async () => {
    expect(await resolveSession(t.deps, "x".repeat(500))).toBeNull();
    expect(await resolveSession(t.deps, "")).toBeNull();
    expect(await resolveSession(t.deps, "not-a-token")).toBeNull();
  });
});
