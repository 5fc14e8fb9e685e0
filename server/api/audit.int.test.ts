/**
 * The audit log on both databases: every mutation writes exactly one row in its own transaction
 * (and a rolled-back one none); rows are hash-chained after commit by the sealer (writers never
 * wait for each other), append-only (triggers refuse UPDATE but the one sealing of a row, DELETE
 * and TRUNCATE), and a row changed behind Petrel's back is found by the verification; filters,
 * cursor pages and export.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wf } from "../../lib/petri/fixtures/build";
import { makeUser } from "../../prisma/seed/factories";
import { createCaller } from "./router";
import type { Context } from "./trpc";
import { resolveSession } from "../services/auth/resolve-session";
import { signIn } from "../services/auth/sign-in";
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from "../testing/databases";
import { META } from "../testing/engine";
import { Worker } from "../engine/worker";
import { auditRows, listAudit, verifyAuditChain } from "../services/audit-log/read-audit";
import { sealAuditChain } from "../db/audit-chain";

const PASSWORD = "audit-password-123";

describe.each(DATABASE_KINDS)("audit log on %s", (kind) => {
  let t: TestDatabase;
  let admin: ReturnType<typeof createCaller>;
  let adminId: string;

  const count = () => t.deps.prisma.auditLog.count();
  const last = async () => (await t.deps.prisma.auditLog.findFirstOrThrow({ orderBy: { id: "desc" } })).action;

  async function callerFor(email: string): Promise<ReturnType<typeof createCaller>> {
    const s = await signIn(t.deps, META, { email, password: PASSWORD });
    const session = (await resolveSession(t.deps, s.token))!;
    const ctx: Context = { deps: t.deps, session, principal: { userId: session.user.id, role: session.user.role }, meta: META, responseHeaders: new Headers(), secureCookies: false };
    return createCaller(ctx);
  }

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    adminId = (await makeUser(t.deps, { email: "admin@example.com", name: "Admin", role: "admin", password: PASSWORD })).id;
    await makeUser(t.deps, { email: "editor@example.com", name: "Editor", role: "editor", password: PASSWORD });
    admin = await callerFor("admin@example.com");
  });
  afterAll(() => t.close());

  /** Runs `fn`; exactly one row must appear, with `action`. */
  async function once<T>(action: string, fn: () => Promise<T>): Promise<T> {
    const before = await count();
    const out = await fn();
    expect({ action, rows: (await count()) - before }).toEqual({ action, rows: 1 });
    expect(await last()).toBe(action);
    return out;
  }

  it("every mutation writes exactly one row", async () => {
    const worker = new Worker(t.deps, { id: "audit-worker", concurrency: 4 });
    // Sign-in (success and failure) and sign-out.
    await once("auth.sign_in", () => signIn(t.deps, META, { email: "editor@example.com", password: PASSWORD }));
    await once("auth.sign_in_failed", () => signIn(t.deps, META, { email: "editor@example.com", password: "wrong-password-1" }).catch(() => null));
    const editor = await callerFor("editor@example.com");
    await once("auth.sign_out", () => editor.auth.signOut());
    // Workflows: create, edit, rename, publish, restore, forced publish, visibility, grants.
    const graph = wf("s:start g:approval h:approval e:end", "s>g g>h h>e", { config: { g: { assigneeRole: "operator" }, h: { assigneeRole: "operator" } } });
    const w = await once("workflow.create", () => admin.workflow.create({ name: "Audited", graph }));
    const saved = await once("workflow.edit", () => admin.workflow.saveDraft({ workflowId: w.id, revision: 1, graph }));
    await once("workflow.rename", () => admin.workflow.rename({ workflowId: w.id, name: "Audited twice" }));
    await once("workflow.publish", () => admin.workflow.publish({ workflowId: w.id, revision: saved.revision }));
    const current = await admin.workflow.get({ workflowId: w.id });
    await once("workflow.restore", () => admin.workflow.restore({ workflowId: w.id, version: 1, revision: current.revision }));
    const unsound = await admin.workflow.create({ name: "Unsound", graph: wf("s:start f:parallel-split a:task b:task m:exclusive-merge e:end", "s>f f>a f>b a>m b>m m>e", { config: { a: { type: "noop" }, b: { type: "noop" } } }) });
    await once("workflow.publish.forced", () => admin.workflow.publish({ workflowId: unsound.id, force: { reason: "a test of the forced path" } }));
    await once("workflow.visibility", () => admin.workflow.setVisibility({ workflowId: w.id, visibility: "restricted" }));
    await once("grant.set", () => admin.workflow.setGrant({ workflowId: w.id, email: "editor@example.com", grant: "viewer" }));
    await once("grant.remove", () => admin.workflow.setGrant({ workflowId: w.id, email: "editor@example.com", grant: null }));
    // Runs: start, signal, pause, resume, decide, cancel, retry, re-run.
    const { runId } = await once("run.start", () => admin.run.start({ workflowId: w.id }));
    await worker.drainOnce();
    await once("run.pause", () => admin.run.pause({ runId }));
    await once("run.resume", () => admin.run.resume({ runId }));
    await once("run.signal", () => admin.run.signal({ runId, name: "approval:g", payload: { decision: "approve", comment: null, by: "a program" } }));
    await worker.drainOnce();
    await once("run.approval", () => admin.run.decide({ runId, nodeId: "h", decision: "approve", comment: "fine" }));
    const second = await admin.run.start({ workflowId: w.id });
    await once("run.cancel", () => admin.run.cancel({ runId: second.runId }));
    const failing = await admin.workflow.create({ name: "Fails", graph: wf("s:start a:task e:end", "s>a a>e", { config: { a: { type: "fail", times: 1, errorType: "Boom", nonRetryable: true } } }) });
    await admin.workflow.publish({ workflowId: failing.id });
    const f = await admin.run.start({ workflowId: failing.id });
    await worker.drainOnce();
    expect((await admin.run.get({ runId: f.runId })).status).toBe("failed");
    await once("run.retry", () => admin.run.retry({ runId: f.runId }));
    await worker.drainOnce();
    await once("run.rerun", () => admin.run.rerun({ runId: f.runId, nodeId: "a", version: "same" }));
    // People: create, role, disable, enable, password, sessions.
    const u = await once("user.create", () => admin.user.create({ email: "new@example.com", name: "New", role: "viewer", password: PASSWORD }));
    await once("user.role", () => admin.user.setRole({ userId: u.id, role: "operator" }));
    await once("user.disable", () => admin.user.setDisabled({ userId: u.id, disabled: true }));
    await once("user.enable", () => admin.user.setDisabled({ userId: u.id, disabled: false }));
    await once("user.password.reset", () => admin.user.resetPassword({ userId: u.id }));
    await once("user.sessions.revoke", () => admin.user.revokeSessions({ userId: u.id }));
    // Tokens and secrets.
    const token = await once("token.create", () => admin.token.create({ name: "ci", scopes: ["run.read"] }));
    await once("token.revoke", () => admin.token.revoke({ tokenId: token.id }));
    await once("secret.create", () => admin.secret.set({ name: "API_KEY", value: "s3cr3t-value" }));
    await once("secret.update", () => admin.secret.set({ name: "API_KEY", value: "another-value" }));
    await once("secret.delete", () => admin.secret.delete({ name: "API_KEY" }));
    await once("workflow.delete", () => admin.workflow.delete({ workflowId: unsound.id, reason: "no longer used" }));
    expect((await admin.workflow.list()).map((x) => x.id)).not.toContain(unsound.id);
    await expect(admin.run.start({ workflowId: unsound.id })).rejects.toThrow(/was deleted; it starts no new runs/);
    // No secret value reaches the log.
    const rows = await t.deps.prisma.auditLog.findMany({ where: { targetType: "secret" } });
    expect(JSON.stringify(rows, (_, v: unknown) => (typeof v === "bigint" ? String(v) : v))).not.toMatch(/s3cr3t-value|another-value/);
    // Refused calls write nothing.
    const before = await count();
    await expect(admin.user.create({ email: "new@example.com", name: "Again", role: "viewer", password: PASSWORD })).rejects.toThrow(/already exists/);
    await expect(admin.run.retry({ runId })).rejects.toThrow();
    expect(await count()).toBe(before);
    expect((await verifyAuditChain(t.deps.prisma)).ok).toBe(true);
  });

  it("a mutation that fails after its audit row was written rolls back both", async () => {
    const w = await admin.workflow.create({ name: "Rollback", graph: wf("s:start a:task e:end", "s>a a>e", { config: { a: { type: "noop" } } }) });
    // A fault injected into the database: inserting a workflow.rename audit row fails.
    await t.deps.prisma.$executeRawUnsafe(`CREATE FUNCTION fail_rename() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.action = 'workflow.rename' THEN RAISE EXCEPTION 'injected fault'; END IF; RETURN NEW; END $$`);
    await t.deps.prisma.$executeRawUnsafe(`CREATE TRIGGER fail_rename AFTER INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION fail_rename()`);
    try {
      const before = await count();
      await expect(admin.workflow.rename({ workflowId: w.id, name: "Renamed" })).rejects.toThrow();
      expect(await count()).toBe(before);
      expect((await admin.workflow.get({ workflowId: w.id })).name).toBe("Rollback");
    } finally {
      await t.deps.prisma.$executeRawUnsafe(`DROP TRIGGER fail_rename ON audit_log`);
      await t.deps.prisma.$executeRawUnsafe(`DROP FUNCTION fail_rename()`);
    }
  });

  it("rows are chained in order under concurrent writers, and no code path can change or remove them", async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => admin.workflow.create({ name: `Concurrent ${i}` })));
    const report = await verifyAuditChain(t.deps.prisma);
    expect(report).toMatchObject({ ok: true, firstBroken: null });
    expect(report.rows).toBe(await count());
    const row = await t.deps.prisma.auditLog.findFirstOrThrow({ orderBy: { id: "asc" } });
    await expect(t.deps.prisma.auditLog.update({ where: { id: row.id }, data: { action: "forged" } })).rejects.toThrow(/append-only/);
    await expect(t.deps.prisma.auditLog.delete({ where: { id: row.id } })).rejects.toThrow(/append-only/);
    await expect(t.deps.prisma.$executeRawUnsafe(`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);
  });

  /** An audit row written straight to the table (as a writer would), through `db`. */
  const insertRow = (db: Pick<typeof t.deps.prisma, "$queryRawUnsafe">, action: string) =>
    db.$queryRawUnsafe<Array<{ id: bigint }>>(`INSERT INTO audit_log (at, actor_type, actor_label, action, target_type, request_id) VALUES (now(), 'system', 'test', $1, 'test', 'req') RETURNING id`, action).then((r) => r[0]!.id);
  /** The row's link in the chain (null while unsealed). */
  const linkOf = (id: bigint) => t.deps.prisma.auditChain.findUnique({ where: { auditId: id } });

  // PGlite has one connection: two writers cannot be open at once there.
  if (kind === "postgresql")
    it("writers do not wait for each other: a row commits unsealed, and one that commits late is sealed after the rows sealed before it", async () => {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let heldId!: bigint;
      let inserted!: () => void;
      const insertedHeld = new Promise<void>((r) => (inserted = r));
      // A writer whose transaction has written its audit row and stays open.
      const slow = t.deps.prisma.$transaction(
        async (tx) => {
          heldId = await insertRow(tx, "test.held");
          inserted();
          await held;
        },
        { timeout: 20_000 },
      );
      await insertedHeld;
      // Another writer commits meanwhile: it used to wait for the first one's commit (one chain lock).
      const created = await Promise.race([admin.workflow.create({ name: "While another writer is open" }), new Promise<"blocked">((r) => setTimeout(() => r("blocked"), 5000))]);
      expect(created).not.toBe("blocked");
      const otherId = (await t.deps.prisma.auditLog.findFirstOrThrow({ where: { action: "workflow.create" }, orderBy: { id: "desc" }, select: { id: true } })).id;
      expect(otherId).toBeGreaterThan(heldId);
      expect(await linkOf(otherId)).toBeNull();
      expect(await sealAuditChain(t.deps.prisma)).toBe(1);
      const other = (await linkOf(otherId))!;
      release();
      await slow;
      expect(await linkOf(heldId)).toBeNull();
      expect(await sealAuditChain(t.deps.prisma)).toBe(1);
      expect(await linkOf(heldId)).toMatchObject({ seq: other.seq + 1n, prevHash: other.hash });
      expect(await verifyAuditChain(t.deps.prisma)).toMatchObject({ ok: true, firstBroken: null, rows: await count() });
    });

  it("a writer cannot seal its own row, and the chain is append-only like the log", async () => {
    const id = await insertRow(t.deps.prisma, "test.forgery");
    const [head] = await t.deps.prisma.auditChain.findMany({ orderBy: { seq: "desc" }, take: 1 });
    // A link written by hand for a row (before the sealer came to it) does not hold, and the sealer goes on after it.
    await t.deps.prisma.$executeRawUnsafe(`INSERT INTO audit_chain (seq, audit_id, prev_hash, hash) VALUES (${(head?.seq ?? 0n) + 1n}, ${id}, '${head?.hash ?? ""}', 'forged')`);
    const after = await insertRow(t.deps.prisma, "test.after_forgery");
    expect(await sealAuditChain(t.deps.prisma)).toBe(2);
    expect((await linkOf(after))?.prevHash).toBe("forged");
    expect(await verifyAuditChain(t.deps.prisma)).toMatchObject({ ok: false, firstBroken: { id: String(id), reason: "its contents were changed after it was written" } });
    // Links never change and are never removed.
    await expect(t.deps.prisma.$executeRawUnsafe(`UPDATE audit_chain SET hash = 'x' WHERE audit_id = ${id}`)).rejects.toThrow(/audit_chain is append-only: UPDATE is refused/);
    await expect(t.deps.prisma.$executeRawUnsafe(`DELETE FROM audit_chain WHERE audit_id = ${id}`)).rejects.toThrow(/audit_chain is append-only: DELETE is refused/);
    await expect(t.deps.prisma.$executeRawUnsafe(`TRUNCATE audit_chain`)).rejects.toThrow(/append-only/);
    // The tests after this one want an intact chain: the forged link and the one after it go, and both rows are sealed again.
    await t.deps.prisma.$transaction([
      t.deps.prisma.$executeRawUnsafe(`ALTER TABLE audit_chain DISABLE TRIGGER audit_chain_no_update`),
      t.deps.prisma.$executeRawUnsafe(`DELETE FROM audit_chain WHERE audit_id IN (${id}, ${after})`),
      t.deps.prisma.$executeRawUnsafe(`ALTER TABLE audit_chain ENABLE TRIGGER audit_chain_no_update`),
      t.deps.prisma.$executeRawUnsafe(`INSERT INTO audit_unsealed (id) VALUES (${id})`),
    ]);
    // A row whose link was removed (and that waits for no sealer) is reported.
    expect(await verifyAuditChain(t.deps.prisma)).toMatchObject({ ok: false, firstBroken: { id: String(after), reason: "it is not in the chain: its link was removed" }, unsealed: 0 });
    await t.deps.prisma.$executeRawUnsafe(`INSERT INTO audit_unsealed (id) VALUES (${after})`);
    expect(await verifyAuditChain(t.deps.prisma)).toMatchObject({ ok: true, rows: await count(), unsealed: 0 });
  });

  it("a running worker seals new rows once a second", async () => {
    /** Waits until the row is sealed, moving the engine's clock (which this test moves by hand) by `tick` ms every 150 ms. */
    const sealedBy = async (id: bigint, tick: number) => {
      const until = Date.now() + 5000;
      while (!(await linkOf(id)) && Date.now() < until) {
        t.clock.advance(tick);
        await new Promise((r) => setTimeout(r, 150));
      }
      return (await linkOf(id))?.hash;
    };
    const before = await insertRow(t.deps.prisma, "test.before_worker");
    const worker = new Worker(t.deps, { id: "sealing-worker", concurrency: 1, pollMs: 100 });
    await worker.start();
    try {
      // Its first pass, at start, seals what was there.
      expect(await sealedBy(before, 0)).toMatch(/^[0-9a-f]{64}$/);
      // A row written after that pass waits for the next one, a second later.
      const id = await insertRow(t.deps.prisma, "test.sealed_by_worker");
      await new Promise((r) => setTimeout(r, 300));
      expect(await linkOf(id)).toBeNull();
      expect(await sealedBy(id, 1000)).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await worker.stop();
    }
  });

  it("finds exactly the row an attacker with database access changed", async () => {
    const rows = await t.deps.prisma.auditLog.findMany({ orderBy: { id: "asc" }, select: { id: true } });
    const victim = rows[Math.floor(rows.length / 2)]!.id;
    // The attacker turns the guard off, edits one row, and turns it back on.
    await t.deps.prisma.$transaction([
      t.deps.prisma.$executeRawUnsafe(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`),
      t.deps.prisma.$executeRawUnsafe(`UPDATE audit_log SET after = '{"name":"forged"}'::jsonb WHERE id = ${victim}`),
      t.deps.prisma.$executeRawUnsafe(`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update`),
    ]);
    const report = await verifyAuditChain(t.deps.prisma, 7); // small pages: the walk crosses page boundaries
    expect(report.ok).toBe(false);
    expect(report.firstBroken).toEqual({ id: String(victim), reason: "its contents were changed after it was written" });
    // Through the API too (what the admin page shows).
    expect((await admin.audit.verify()).firstBroken?.id).toBe(String(victim));
    // Removing a row breaks the link of the next one.
    const gone = rows[rows.length - 3]!.id;
    await t.deps.prisma.$transaction([
      t.deps.prisma.$executeRawUnsafe(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`),
      t.deps.prisma.$executeRawUnsafe(`UPDATE audit_log SET after = (SELECT after FROM audit_log WHERE id = ${victim}) WHERE id = ${victim}`),
      t.deps.prisma.$executeRawUnsafe(`DELETE FROM audit_log WHERE id = ${gone}`),
      t.deps.prisma.$executeRawUnsafe(`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update`),
    ]);
    expect((await verifyAuditChain(t.deps.prisma)).firstBroken?.id).toBe(String(victim));
  });

  it("filters by action family, actor, target, time and free text; pages with a cursor; exports the filter", async () => {
    const publishes = await listAudit(t.deps, { action: "workflow.publish" });
    expect(publishes.rows.length).toBeGreaterThan(0);
    expect(publishes.rows.every((r) => r.action === "workflow.publish")).toBe(true);
    const family = await listAudit(t.deps, { action: "workflow.*", limit: 200 });
    expect(new Set(family.rows.map((r) => r.action.split(".")[0]))).toEqual(new Set(["workflow"]));
    const byEditor = await listAudit(t.deps, { actor: "editor@example.com" });
    expect(byEditor.rows.map((r) => r.actorLabel)).toContain("editor@example.com");
    expect(byEditor.rows.every((r) => r.actorId !== adminId)).toBe(true);
    const text = await listAudit(t.deps, { q: "concurr", limit: 200 });
    expect(text.rows.length).toBeGreaterThanOrEqual(19); // one was removed by the attacker above
    expect(text.rows.every((r) => JSON.stringify(r.after).includes("Concurrent"))).toBe(true);
    expect((await listAudit(t.deps, { from: new Date(Date.now() + 3600_000) })).rows).toEqual([]);
    // Pages: newest first, no overlap, no gap.
    const all: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listAudit(t.deps, { limit: 7, cursor });
      all.push(...page.rows.map((r) => r.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe(await count());
    expect([...all].sort((a, b) => Number(b) - Number(a))).toEqual(all);
    const exported: string[] = [];
    for await (const r of auditRows(t.deps.prisma, { action: "workflow.*" }, 5)) exported.push(r.id);
    expect(exported.length).toBe(family.rows.length);
    await expect(listAudit(t.deps, { from: new Date(2), to: new Date(1) })).rejects.toThrow(/time range is empty/);
  });
});
