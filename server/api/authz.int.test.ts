/**
 * The authorization matrix: EVERY tRPC procedure (queries, mutations, subscriptions) and REST
 * route, for every role, anonymous callers, a person with a grant, and API tokens with and
 * without the needed scope (and one bound to a workflow), on an organization-wide and a
 * restricted workflow. Each call must be allowed or refused exactly as the policy table of
 * lib/policy.ts says. The table below names each procedure's permission and what it acts on;
 * a procedure missing from it, or declaring something else, fails the test.
 */
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wf } from "../../lib/petri/fixtures/build";
import { decide, GRANT_POLICY, type Permission, type Principal, type WorkflowAccess } from "../../lib/policy";
import { makeUser } from "../../prisma/seed/factories";
import { resolveSession } from "../services/auth/resolve-session";
import { signIn } from "../services/auth/sign-in";
import type { Actor } from "../services/deps";
import { createApiToken, resolveApiToken } from "../services/tokens/api-tokens";
import { createWorkflow } from "../services/workflows/create-workflow";
import { publishWorkflow } from "../services/workflows/publish-workflow";
import { setGrant, setVisibility } from "../services/workflows/share-workflow";
import { startApiServer, type TestServer } from "../testing/api-server";
import { META } from "../testing/engine";
import { TrpcHttp } from "../testing/http-client";
import { REST_ROUTES } from "./rest";
import { appRouter, createCaller } from "./router";
import type { Context } from "./trpc";

type Ids = { workflowId: string; runId: string; userId: string };
type Probe = { permission: Permission | "public"; on?: "workflow" | "run" | "list"; input?: (ids: Ids) => unknown };

const bad = "not-a-valid-value";
/** Inputs valid up to the target and invalid after it where an allowed call would change something: allowed = 400. */
const PROBES: Record<string, Probe> = {
  "auth.me": { permission: "public" },
  "auth.signIn": { permission: "public", input: () => ({ email: bad, password: "" }) },
  "auth.signOut": { permission: "public" },
  "workflow.list": { permission: "workflow.read", on: "list" },
  "workflow.get": { permission: "workflow.read", on: "workflow", input: (i) => ({ workflowId: i.workflowId }) },
  "workflow.version": { permission: "workflow.read", on: "workflow", input: (i) => ({ workflowId: i.workflowId, version: 1 }) },
  "workflow.sharing": { permission: "workflow.read", on: "workflow", input: (i) => ({ workflowId: i.workflowId }) },
  "workflow.plugins": { permission: "workflow.read" },
  "workflow.create": { permission: "workflow.write", input: () => ({ name: "" }) },
  "workflow.saveDraft": { permission: "workflow.write", on: "workflow", input: (i) => ({ workflowId: i.workflowId, revision: 0 }) },
  "workflow.rename": { permission: "workflow.write", on: "workflow", input: (i) => ({ workflowId: i.workflowId, name: "" }) },
  "workflow.restore": { permission: "workflow.write", on: "workflow", input: (i) => ({ workflowId: i.workflowId, version: 0, revision: 0 }) },
  "workflow.publish": { permission: "workflow.publish", on: "workflow", input: (i) => ({ workflowId: i.workflowId, revision: -1 }) },
  "workflow.delete": { permission: "workflow.delete", on: "workflow", input: (i) => ({ workflowId: i.workflowId, reason: 5 }) },
  "workflow.setVisibility": { permission: "workflow.share", on: "workflow", input: (i) => ({ workflowId: i.workflowId, visibility: bad }) },
  "workflow.setGrant": { permission: "workflow.share", on: "workflow", input: (i) => ({ workflowId: i.workflowId, email: bad, grant: null }) },
  "run.start": { permission: "run.operate", on: "workflow", input: (i) => ({ workflowId: i.workflowId, version: -1 }) },
  "run.get": { permission: "run.read", on: "run", input: (i) => ({ runId: i.runId }) },
  "run.history": { permission: "run.read", on: "run", input: (i) => ({ runId: i.runId }) },
  "run.query": { permission: "run.read", on: "run", input: (i) => ({ runId: i.runId }) },
  "run.watch": { permission: "run.read", on: "run", input: (i) => ({ runId: i.runId }) },
  "run.list": { permission: "run.read", on: "list", input: () => ({}) },
  "run.changes": { permission: "run.read", on: "list" },
  "run.inbox": { permission: "run.operate", on: "list" },
  "run.signal": { permission: "run.operate", on: "run", input: (i) => ({ runId: i.runId, name: "" }) },
  "run.decide": { permission: "run.operate", on: "run", input: (i) => ({ runId: i.runId, nodeId: "a", decision: bad }) },
  "run.cancel": { permission: "run.operate", on: "run", input: (i) => ({ runId: i.runId, reason: 5 }) },
  "run.pause": { permission: "run.operate", on: "run", input: (i) => ({ runId: i.runId }) },
  "run.resume": { permission: "run.operate", on: "run", input: (i) => ({ runId: i.runId }) },
  "run.retry": { permission: "run.operate", on: "run", input: (i) => ({ runId: i.runId, reason: 5 }) },
  "run.rerun": { permission: "run.operate", on: "run", input: (i) => ({ runId: i.runId, nodeId: "" }) },
  "user.list": { permission: "user.read" },
  "user.create": { permission: "user.manage", input: () => ({ email: bad }) },
  "user.setRole": { permission: "user.manage", input: (i) => ({ userId: i.userId, role: bad }) },
  "user.setDisabled": { permission: "user.manage", input: (i) => ({ userId: i.userId, disabled: bad }) },
  "user.resetPassword": { permission: "user.manage", input: (i) => ({ userId: i.userId, password: "short" }) },
  "user.revokeSessions": { permission: "user.manage", input: () => ({ userId: bad }) },
  "system.info": { permission: "system.read" },
  "system.status": { permission: "system.read" },
  "audit.list": { permission: "audit.read", input: () => ({ limit: 0 }) },
  "audit.verify": { permission: "audit.read" },
  "token.list": { permission: "token.manage" },
  "token.create": { permission: "token.manage", input: () => ({ name: "" }) },
  "token.revoke": { permission: "token.manage", input: () => ({ tokenId: bad }) },
  "secret.list": { permission: "secret.read" },
  "secret.set": { permission: "secret.manage", input: () => ({ name: bad }) },
  "secret.delete": { permission: "secret.manage", input: () => ({ name: bad }) },
};

const REST_PROBES: Record<string, Permission> = { "GET /api/audit/export": "audit.read" };

const PASSWORD = "matrix-password-123";

type Caller = { name: string; principal: Principal | null; ctx: Context; anyGrant: (p: Permission) => boolean; http: TrpcHttp };

describe("authorization matrix", () => {
  let server: TestServer;
  const callers: Caller[] = [];
  const targets: Array<{ label: string; ids: Ids; access: (userId: string) => WorkflowAccess }> = [];

  beforeAll(async () => {
    server = await startApiServer("pglite");
    const deps = server.deps;
    const users: Record<string, { id: string; email: string; role: "admin" | "editor" | "operator" | "viewer" }> = {};
    for (const [name, role] of [["admin", "admin"], ["editor", "editor"], ["operator", "operator"], ["viewer", "viewer"], ["granted", "viewer"]] as const) {
      const u = await makeUser(deps, { email: `${name}@example.com`, name, role, password: PASSWORD });
      users[name] = { id: u.id, email: u.email, role };
    }
    const admin: Actor = { type: "user", userId: users.admin!.id, email: users.admin!.email, role: "admin" };
    const graph = wf("s:start a:task e:end", "s>a a>e", { config: { a: { type: "noop" } } });
    const org = await createWorkflow(deps, admin, META, { name: "Open to all", graph });
    const restricted = await createWorkflow(deps, admin, META, { name: "Restricted", graph });
    await setVisibility(deps, admin, META, { workflowId: restricted.id, visibility: "restricted" });
    await setGrant(deps, admin, META, { workflowId: restricted.id, email: "granted@example.com", grant: "runner" });
    for (const w of [org, restricted]) await publishWorkflow(deps, admin, META, { workflowId: w.id });
    const { startRun } = await import("../services/runs/start-run");
    const runOrg = (await startRun(deps, admin, META, { workflowId: org.id })).runId;
    const runRestricted = (await startRun(deps, admin, META, { workflowId: restricted.id })).runId;
    const target = users.viewer!.id;
    targets.push(
      { label: "organization workflow", ids: { workflowId: org.id, runId: runOrg, userId: target }, access: () => ({ workflowId: org.id, ownerId: admin.userId, visibility: "organization", grant: null }) },
      {
        label: "restricted workflow",
        ids: { workflowId: restricted.id, runId: runRestricted, userId: target },
        access: (userId) => ({ workflowId: restricted.id, ownerId: admin.userId, visibility: "restricted", grant: userId === users.granted!.id ? "runner" : null }),
      },
    );
    const base = (extra: Partial<Context>): Context => ({ deps, session: null, principal: null, meta: META, responseHeaders: new Headers(), secureCookies: false, ...extra });
    const noGrant = () => false;
    const anon = new TrpcHttp(server.url);
    callers.push({ name: "anonymous", principal: null, ctx: base({}), anyGrant: noGrant, http: anon });
    for (const name of Object.keys(users)) {
      const u = users[name]!;
      const signedIn = await signIn(deps, META, { email: u.email, password: PASSWORD });
      const session = await resolveSession(deps, signedIn.token);
      const principal: Principal = { userId: u.id, role: u.role };
      const http = new TrpcHttp(server.url);
      expect((await http.mutate("auth.signIn", { email: u.email, password: PASSWORD })).status).toBe(200);
      const anyGrant = (p: Permission) => (name === "admin" ? GRANT_POLICY.owner.has(p) : name === "granted" ? GRANT_POLICY.runner.has(p) : false);
      callers.push({ name: `${name} (${u.role})`, principal, ctx: base({ session, principal }), anyGrant, http });
    }
    // API tokens: an editor's token with all of the editor's permissions, one with a single scope, and an admin's token bound to the organization workflow.
    const editor: Actor = { type: "user", userId: users.editor!.id, email: users.editor!.email, role: "editor" };
    const editorScopes = ["workflow.read", "workflow.write", "workflow.publish", "run.read", "run.operate", "monitor.read", "system.read", "secret.read"] as Permission[];
    const tokens = [
      { name: "token, editor's full scopes", maker: editor, input: { name: "full", scopes: editorScopes }, grants: noGrant },
      { name: "token, workflow.read only", maker: editor, input: { name: "narrow", scopes: ["workflow.read"] as Permission[] }, grants: noGrant },
      { name: "token, admin, bound to the organization workflow", maker: admin, input: { name: "bound", scopes: ["workflow.read", "workflow.write", "run.read", "run.operate", "audit.read"] as Permission[], workflowId: org.id }, grants: (p: Permission) => GRANT_POLICY.owner.has(p) },
    ];
    for (const t of tokens) {
      const made = await createApiToken(deps, t.maker, META, t.input);
      const identity = (await resolveApiToken(deps, made.token))!;
      const http = new TrpcHttp(server.url);
      http.bearer = made.token;
      callers.push({ name: t.name, principal: identity.principal, ctx: base({ principal: identity.principal, tokenActor: identity.actor }), anyGrant: t.grants, http });
    }
    // Let the runs finish so that operator probes find them settled.
    for (;;) {
      const open = await deps.prisma.run.count({ where: { status: "running" } });
      if (!open) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  afterAll(() => server?.close());

  it("the table names every procedure with the permission and target it declares", () => {
    const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { meta?: { permission?: string; on?: string } } }>;
    expect(Object.keys(procedures).sort()).toEqual(Object.keys(PROBES).sort());
    for (const [name, proc] of Object.entries(procedures)) {
      expect({ name, permission: proc._def.meta?.permission, on: proc._def.meta?.on }).toEqual({ name, permission: PROBES[name]!.permission, on: PROBES[name]!.on });
    }
    // Whatever names a workflow or a run is decided on that workflow (its visibility and grants).
    const ids: Ids = { workflowId: "w", runId: "r", userId: "u" };
    for (const [name, probe] of Object.entries(PROBES)) {
      const input = (probe.input?.(ids) ?? {}) as Record<string, unknown>;
      const on = "runId" in input ? "run" : "workflowId" in input ? "workflow" : probe.on === "list" ? "list" : undefined;
      expect({ name, on: probe.on }).toEqual({ name, on });
    }
    expect(REST_ROUTES.map((r) => `${r.method} ${r.path}`).sort()).toEqual(Object.keys(REST_PROBES).sort());
    for (const r of REST_ROUTES) expect(r.permission).toBe(REST_PROBES[`${r.method} ${r.path}`]);
  });

  /** Calls a procedure through the router (the same middleware as HTTP and WebSocket); "denied" or "allowed". */
  async function call(c: Caller, name: string, input: unknown): Promise<{ outcome: "allowed" | "denied" | "hidden"; detail: string }> {
    const caller = createCaller(c.ctx) as unknown as Record<string, Record<string, (i: unknown) => Promise<unknown>>>;
    const [group, proc] = name.split(".") as [string, string];
    try {
      const result = await caller[group]![proc]!(input);
      const iterator = result && typeof result === "object" && Symbol.asyncIterator in result ? (result as AsyncIterable<unknown>)[Symbol.asyncIterator]() : null;
      await iterator?.return?.();
      return { outcome: "allowed", detail: "ok" };
    } catch (error) {
      const code = error instanceof TRPCError ? error.code : "OTHER";
      const detail = `${code}: ${(error as Error).message}`;
      if (code === "UNAUTHORIZED" || code === "FORBIDDEN") return { outcome: "denied", detail };
      if (code === "NOT_FOUND" && PROBES[name]!.on && /^There is no (workflow|run) /.test((error as Error).message)) return { outcome: "hidden", detail };
      if (code === "INTERNAL_SERVER_ERROR") throw new Error(`${name} as ${c.name}: ${detail}`);
      return { outcome: "allowed", detail };
    }
  }

  function expected(c: Caller, probe: Probe, access: WorkflowAccess | null): "allowed" | "denied" | "hidden" {
    if (probe.permission === "public") return "allowed";
    if (!c.principal) return "denied";
    const d = decide(c.principal, probe.permission, access, { anyGrant: c.anyGrant(probe.permission), listing: probe.on === "list" });
    return d.allowed ? "allowed" : d.hidden ? "hidden" : "denied";
  }

  it("allows and refuses every procedure for every caller as the policy says", async () => {
    const mismatches: string[] = [];
    let calls = 0;
    // auth.signOut last: it ends the sessions the other probes use.
    const names = Object.keys(PROBES).sort((a, b) => Number(a === "auth.signOut") - Number(b === "auth.signOut") || a.localeCompare(b));
    for (const name of names) {
      const probe = PROBES[name]!;
      const onTarget = probe.on === "workflow" || probe.on === "run";
      for (const c of callers) {
        for (const t of onTarget ? targets : [null]) {
          const want = expected(c, probe, t ? t.access(c.principal?.userId ?? "") : null);
          const got = await call(c, name, probe.input?.(t?.ids ?? targets[0]!.ids));
          calls++;
          if (got.outcome !== want) mismatches.push(`${name} as ${c.name}${t ? ` on the ${t.label}` : ""}: expected ${want}, got ${got.outcome} (${got.detail})`);
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(calls).toBeGreaterThan(Object.keys(PROBES).length * callers.length);
  });

  it("spot checks of the table: grants, visibility and token scopes decide as intended", async () => {
    const by = (prefix: string) => callers.find((c) => c.name.startsWith(prefix))!;
    const [org, restricted] = targets;
    // An operator may not even see the restricted workflow; the person with a runner grant may start runs on it but not edit it.
    expect((await call(by("operator"), "run.get", { runId: restricted!.ids.runId })).outcome).toBe("hidden");
    expect((await call(by("granted"), "run.start", { workflowId: restricted!.ids.workflowId, version: -1 })).outcome).toBe("allowed");
    expect((await call(by("granted"), "workflow.rename", { workflowId: restricted!.ids.workflowId, name: "" })).outcome).toBe("denied");
    expect((await call(by("granted"), "run.start", { workflowId: org!.ids.workflowId, version: -1 })).outcome).toBe("denied");
    // Tokens: a scope missing refuses; a bound token sees nothing else.
    expect((await call(by("token, workflow.read only"), "run.list", {})).outcome).toBe("denied");
    expect((await call(by("token, admin, bound"), "workflow.get", { workflowId: restricted!.ids.workflowId })).outcome).toBe("hidden");
    expect((await call(by("token, admin, bound"), "workflow.create", { name: "" })).outcome).toBe("denied");
    expect((await call(by("token, admin, bound"), "user.list", undefined)).outcome).toBe("denied");
  });

  it("listings show only what the caller may see", async () => {
    const by = (prefix: string) => callers.find((c) => c.name.startsWith(prefix))!;
    const names = async (c: Caller) => ((await createCaller(c.ctx).workflow.list()) as Array<{ name: string }>).map((w) => w.name).sort();
    expect(await names(by("admin"))).toEqual(["Open to all", "Restricted"]);
    expect(await names(by("operator"))).toEqual(["Open to all"]);
    expect(await names(by("granted"))).toEqual(["Open to all", "Restricted"]);
    expect(await names(by("token, admin, bound"))).toEqual(["Open to all"]);
    const runs = async (c: Caller) => (await createCaller(c.ctx).run.list({})).runs.length;
    expect([await runs(by("admin")), await runs(by("operator")), await runs(by("granted"))]).toEqual([2, 1, 2]);
  });

  it("REST routes and HTTP calls with tokens obey the same rules", async () => {
    for (const c of callers) {
      const headers: Record<string, string> = {};
      if (c.http.cookie) headers.cookie = c.http.cookie;
      if (c.http.bearer) headers.authorization = `Bearer ${c.http.bearer}`;
      const res = await fetch(`${server.url}/api/audit/export?format=jsonl&action=workflow.*`, { headers });
      await res.arrayBuffer();
      const want = expected(c, { permission: "audit.read" }, null);
      expect({ caller: c.name, status: res.status }).toEqual({ caller: c.name, status: want === "allowed" ? 200 : c.principal ? 403 : 401 });
    }
    // A token that is wrong, or revoked, is refused with 401 and says so.
    const wrong = new TrpcHttp(server.url);
    wrong.bearer = "ptk_not-a-token";
    const r = await wrong.query("workflow.list");
    expect(r.status).toBe(401);
    expect(r.body.error?.message).toMatch(/API token is malformed, unknown, revoked or expired/);
  });
});
