import { createTRPCClient, createWSClient, wsLink } from "@trpc/client";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { PERMISSIONS } from "../../lib/policy";
import { makeUser } from "../../prisma/seed/factories";
import { startApiServer, type TestServer } from "../testing/api-server";
import { DATABASE_KINDS } from "../testing/databases";
import { TrpcHttp } from "../testing/http-client";
import { appRouter, type AppRouter } from "./router";

const ADMIN = { email: "root@example.com", password: "root-password-123" };
const PASSWORD = "member-password-123";

describe("every procedure declares its permission", () => {
  it("names 'public' or a permission of the policy table, and only sign-in/out/me are public", () => {
    const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { meta?: { permission?: string } } }>;
    const publicOnes: string[] = [];
    for (const [name, proc] of Object.entries(procedures)) {
      const permission = proc._def.meta?.permission;
      expect(permission, `${name} declares no permission`).toBeDefined();
      if (permission === "public") publicOnes.push(name);
      else expect(Object.keys(PERMISSIONS), `${name} names unknown permission ${permission}`).toContain(permission);
    }
    expect(publicOnes.sort()).toEqual(["auth.me", "auth.signIn", "auth.signOut"]);
  });
});

describe.each(DATABASE_KINDS)("the API over HTTP and WebSocket on %s", (kind) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startApiServer(kind, { PETREL_ADMIN_EMAIL: ADMIN.email, PETREL_ADMIN_PASSWORD: ADMIN.password, PETREL_SEED_DEMO: "true" });
    for (const role of ["editor", "operator", "viewer"] as const) {
      await makeUser(server.deps, { email: `${role}@example.com`, name: role, role, password: PASSWORD });
    }
  });
  afterAll(() => server.close());

  async function as(email: string, password = PASSWORD): Promise<TrpcHttp> {
    const c = new TrpcHttp(server.url);
    const r = await c.mutate("auth.signIn", { email, password });
    expect(r.status).toBe(200);
    return c;
  }

  it("answers /api/health and /api/ready", async () => {
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok" });
    const ready = await fetch(`${server.url}/api/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", database: "reachable", pendingMigrations: [] });
  });

  it("signs in with an httpOnly SameSite cookie and lists the seeded workflows", async () => {
    const c = new TrpcHttp(server.url);
    const res = await fetch(`${server.url}/api/trpc/auth.signIn`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(superjson.serialize({ email: ADMIN.email, password: ADMIN.password })),
    });
    const cookie = res.headers.getSetCookie()[0] ?? "";
    expect(cookie).toMatch(/^petrel_session=[A-Za-z0-9_-]{43}; Path=\/; Expires=.+; HttpOnly; SameSite=Lax$/);
    c.cookie = cookie.split(";")[0]!;
    const list = await c.query("workflow.list");
    expect(list.status).toBe(200);
    expect((list.body.result!.data as Array<{ slug: string }>).map((w) => w.slug).sort()).toEqual(["expense-approval", "nightly-report", "order-fulfilment"]);
  });

  it("answers malformed input with 400 naming the field", async () => {
    const c = new TrpcHttp(server.url);
    const r = await c.mutate("auth.signIn", { email: "not-an-email", password: "x" });
    expect(r.status).toBe(400);
    expect(r.body.error?.message).toBe("Invalid input: email must be an email address");
    expect(r.body.error?.data.fields).toEqual([{ path: "email", message: "must be an email address" }]);

    const admin = await as(ADMIN.email, ADMIN.password);
    const bad = await admin.mutate("user.create", { email: "x@example.com", name: "", role: "boss", password: "short" });
    expect(bad.status).toBe(400);
    expect((bad.body.error?.data.fields as Array<{ path: string }>).map((f) => f.path)).toEqual(["name", "role", "password"]);

    const garbage = await c.raw("auth.signIn", "{not json");
    expect(garbage.status).toBe(400);
  });

  it("answers bad requests with 4xx, never 500: unknown procedure, wrong method, oversized body", async () => {
    const anon = new TrpcHttp(server.url);
    expect((await anon.query("workflow.nope")).status).toBe(404);
    expect((await anon.query("auth.signIn", { email: "a@b.c", password: "x" })).status).toBe(405);
    const huge = await anon.raw("auth.signIn", JSON.stringify({ json: { email: "a@b.c", password: "x".repeat(5 * 1024 * 1024) } }));
    expect(huge.status).toBe(413);
    expect((await fetch(`${server.url}/nothing-here`)).status).toBe(404);
  });

  it("rotates the session on a new sign-in: the old cookie stops working", async () => {
    const c = await as("viewer@example.com");
    const old = c.cookie;
    expect((await c.mutate("auth.signIn", { email: "viewer@example.com", password: PASSWORD })).status).toBe(200);
    expect(c.cookie).not.toBe(old);
    const stale = new TrpcHttp(server.url);
    stale.cookie = old;
    expect((await stale.query("workflow.list")).status).toBe(401);
    expect((await c.query("workflow.list")).status).toBe(200);
  });

  it("refuses anonymous callers with 401 and roles without the permission with 403", async () => {
    const anon = new TrpcHttp(server.url);
    expect((await anon.query("workflow.list")).status).toBe(401);
    const viewer = await as("viewer@example.com");
    expect((await viewer.query("workflow.list")).status).toBe(200);
    const denied = await viewer.mutate("workflow.create", { name: "Nope" });
    expect(denied.status).toBe(403);
    expect(denied.body.error?.message).toBe("Your role (viewer) does not allow workflow.write.");
    expect((await viewer.query("user.list")).status).toBe(403);
    const operator = await as("operator@example.com");
    expect((await operator.mutate("workflow.create", { name: "Nope" })).status).toBe(403);
  });

  it("audits mutations with the actor and request id, in the same transaction", async () => {
    const editor = await as("editor@example.com");
    const created = await editor.mutate("workflow.create", { name: "Invoice intake" });
    expect(created.status).toBe(200);
    const id = (created.body.result!.data as { id: string }).id;
    const audit = await server.deps.prisma.auditLog.findFirstOrThrow({ where: { action: "workflow.create", targetId: id } });
    expect(audit).toMatchObject({ actorType: "user", actorLabel: "editor@example.com", targetType: "workflow" });
    expect(audit.requestId).toMatch(/^[0-9a-f-]{36}$/);

    // A conflicting create writes neither the row nor its audit entry.
    const before = await server.deps.prisma.auditLog.count();
    const admin = await as(ADMIN.email, ADMIN.password);
    const dup = await admin.mutate("user.create", { email: "editor@example.com", name: "Again", role: "viewer", password: PASSWORD });
    expect(dup.status).toBe(409);
    expect(await server.deps.prisma.auditLog.count()).toBe(before + 1); // only the admin's sign-in
  });

  it("answers the 6th wrong password within a minute with 429 and Retry-After", async () => {
    const c = new TrpcHttp(server.url);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 6; i++) {
      const r = await c.mutate("auth.signIn", { email: "operator@example.com", password: "wrong-password" });
      statuses.push(r.status);
      retryAfter = r.headers.get("retry-after");
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
  });

  it("signs out: the cookie is cleared and the session no longer works", async () => {
    const c = await as("editor@example.com");
    const cookie = c.cookie;
    const out = await c.mutate("auth.signOut");
    expect(out.status).toBe(200);
    expect(c.cookie).toBe("");
    const replay = new TrpcHttp(server.url);
    replay.cookie = cookie;
    expect((await replay.query("workflow.list")).status).toBe(401);
  });

  it("streams a subscription over WebSocket to a signed-in client and refuses an anonymous one", async () => {
    const c = await as("viewer@example.com");
    const wsUrl = `${server.url.replace("http", "ws")}/api/trpc-ws`;
    const withCookie = (cookie: string) =>
      class extends WebSocket {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, protocols, { headers: cookie ? { cookie } : {} });
        }
      } as unknown as typeof globalThis.WebSocket;

    const wsClient = createWSClient({ url: wsUrl, WebSocket: withCookie(c.cookie) });
    const client = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient, transformer: superjson })] });
    const seqs = await new Promise<number[]>((resolve, reject) => {
      const got: number[] = [];
      const sub = client.system.status.subscribe(
        { intervalMs: 250 },
        {
          onData: (d) => {
            got.push(d.seq);
            if (got.length === 3) {
              sub.unsubscribe();
              resolve(got);
            }
          },
          onError: reject,
        },
      );
    });
    expect(seqs).toEqual([0, 1, 2]);
    await wsClient.close();

    const anonWs = createWSClient({ url: wsUrl, WebSocket: withCookie("") });
    const anon = createTRPCClient<AppRouter>({ links: [wsLink({ client: anonWs, transformer: superjson })] });
    const err = await new Promise<{ data?: { code?: string } }>((resolve) => {
      anon.system.status.subscribe(undefined, { onData: () => resolve({}), onError: (e) => resolve(e as never) });
    });
    expect(err.data?.code).toBe("UNAUTHORIZED");
    await anonWs.close();
  });
});

describe.each(DATABASE_KINDS)("run procedures over HTTP on %s", (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startApiServer(kind, { PETREL_ADMIN_EMAIL: ADMIN.email, PETREL_ADMIN_PASSWORD: ADMIN.password });
    await makeUser(server.deps, { email: "viewer@example.com", name: "v", role: "viewer", password: PASSWORD });
  });
  afterAll(() => server.close());

  it("publish, start with validated input, signal, query, history, list — and the errors name what is wrong", async () => {
    const admin = new TrpcHttp(server.url);
    expect((await admin.mutate("auth.signIn", ADMIN)).status).toBe(200);
    const graph = {
      petrel: 1,
      input: { amount: { type: "number", required: true } },
      nodes: [
        { id: "s", kind: "start", position: { x: 0, y: 0 } },
        { id: "w", kind: "signal", config: { name: "go" }, position: { x: 1, y: 0 } },
        { id: "e", kind: "end", position: { x: 2, y: 0 } },
      ],
      edges: [
        { id: "a", source: "s", target: "w" },
        { id: "b", source: "w", target: "e" },
      ],
    };
    const created = await admin.mutate("workflow.create", { name: "Waits" });
    const workflowId = (created.body.result!.data as { id: string }).id;
    const published = await admin.mutate("workflow.publish", { workflowId, graph });
    expect(published.status).toBe(200);
    expect(published.body.result!.data).toMatchObject({ version: 1, created: true });

    const bad = await admin.mutate("run.start", { workflowId, input: { amount: "x" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.data.fields).toEqual([{ path: "input.amount", message: "must be a number" }]);
    const started = await admin.mutate("run.start", { workflowId, input: { amount: 5 } });
    expect(started.status).toBe(200);
    const runId = (started.body.result!.data as { runId: string }).runId;

    const wrong = await admin.mutate("run.signal", { runId, name: "stop" });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error?.message).toBe('No step of this run waits for the signal "stop"; it waits for: go.');
    const missing = await admin.mutate("run.signal", { runId: "00000000-0000-0000-0000-000000000000", name: "go" });
    expect(missing.status).toBe(404);

    const q = await admin.query("run.query", { runId });
    expect((q.body.result!.data as { pending: Array<{ nodeId: string }> }).pending.map((p) => p.nodeId)).toEqual(["w"]);
    expect((await admin.mutate("run.signal", { runId, name: "go" })).status).toBe(200);
    const got = await admin.query("run.get", { runId });
    expect((got.body.result!.data as { status: string }).status).toBe("completed");
    const history = await admin.query("run.history", { runId });
    expect((history.body.result!.data as { events: Array<{ type: string }> }).events.map((e) => e.type)).toEqual(["RunStarted", "TransitionFired", "NodeScheduled", "SignalReceived", "TransitionFired", "RunCompleted"]);
    const list = await admin.query("run.list", { workflowId });
    expect((list.body.result!.data as { runs: unknown[] }).runs).toHaveLength(1);

    const viewer = new TrpcHttp(server.url);
    await viewer.mutate("auth.signIn", { email: "viewer@example.com", password: PASSWORD });
    expect((await viewer.mutate("run.start", { workflowId, input: { amount: 1 } })).status).toBe(403);
    expect((await viewer.query("run.get", { runId })).status).toBe(200);
    expect(await server.deps.prisma.auditLog.count({ where: { action: { in: ["workflow.publish", "run.start", "run.signal"] } } })).toBe(3);
  });

  it("refuses to publish an unsound workflow, naming the problem", async () => {
    const admin = new TrpcHttp(server.url);
    await admin.mutate("auth.signIn", ADMIN);
    const created = await admin.mutate("workflow.create", { name: "Broken" });
    const workflowId = (created.body.result!.data as { id: string }).id;
    const graph = {
      petrel: 1,
      nodes: [
        { id: "s", kind: "start", position: { x: 0, y: 0 } },
        { id: "f", kind: "parallel-split", position: { x: 0, y: 0 } },
        { id: "a", kind: "task", config: { type: "noop" }, position: { x: 0, y: 0 } },
        { id: "b", kind: "task", config: { type: "noop" }, position: { x: 0, y: 0 } },
        { id: "m", kind: "exclusive-merge", position: { x: 0, y: 0 } },
        { id: "e", kind: "end", position: { x: 0, y: 0 } },
      ],
      edges: ["s>f", "f>a", "f>b", "a>m", "b>m", "m>e"].map((x, i) => ({ id: `e${i}`, source: x.split(">")[0], target: x.split(">")[1] })),
    };
    const r = await admin.mutate("workflow.publish", { workflowId, graph });
    expect(r.status).toBe(409);
    expect(r.body.error?.message).toContain("Two tokens can be on m → e at once");
    const unknownPlugin = { ...graph, nodes: [graph.nodes[0], { id: "a", kind: "task", config: { type: "teleport" }, position: { x: 0, y: 0 } }, graph.nodes[5]], edges: [{ id: "x", source: "s", target: "a" }, { id: "y", source: "a", target: "e" }] };
    const r2 = await admin.mutate("workflow.publish", { workflowId, graph: unknownPlugin });
    expect(r2.status).toBe(400);
    expect(r2.body.error?.message).toContain('no node-type plugin "teleport" is installed');
  });
});
