/**
 * Hardening over real HTTP: secrets (encrypted at rest, never returned, filled into steps and
 * redacted from what comes back), the key file, CSRF refusal of cross-site calls, security
 * headers, body size limits, and API token lifetimes.
 */
import { statSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { wf } from "../../lib/petri/fixtures/build";
import { makeUser } from "../../prisma/seed/factories";
import { createApiToken, resolveApiToken } from "../services/tokens/api-tokens";
import { loadSecretKey, openSecret } from "../engine/secret-box";
import { startApiServer, type TestServer } from "../testing/api-server";
import { META } from "../testing/engine";
import { TrpcHttp } from "../testing/http-client";

const ADMIN = { email: "sec@example.com", password: "security-password-1" };
const SECRET = "sk_live_5ecret-value-9";

describe("security", () => {
  let server: TestServer;
  let admin: TrpcHttp;
  let echo: http.Server;
  let echoUrl = "";
  const seen: string[] = [];

  beforeAll(async () => {
    server = await startApiServer("pglite");
    await makeUser(server.deps, { ...ADMIN, name: "Sec", role: "admin" });
    admin = new TrpcHttp(server.url);
    expect((await admin.mutate("auth.signIn", ADMIN)).status).toBe(200);
    // A service on loopback that sees the Authorization header and repeats it back (as careless services do).
    echo = http.createServer((req, res) => {
      seen.push(String(req.headers.authorization));
      if (req.url === "/fail") return void res.writeHead(500, { "content-type": "text/plain" }).end(`bad key ${req.headers.authorization}`);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ youSent: req.headers.authorization }));
    });
    await new Promise<void>((r) => echo.listen(0, "127.0.0.1", r));
    echoUrl = `http://127.0.0.1:${(echo.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => echo.close(r));
    await server?.close();
  });

  async function runOf(url: string): Promise<{ status: string; events: Array<{ type: string; payload: unknown }>; tasks: Array<{ lastError: unknown }> }> {
    const graph = wf("s:start h:task e:end", "s>h h>e", { config: { h: { type: "http", url, headers: { authorization: "Bearer {{secrets.API_KEY}}" } } }, outputs: { h: ["youSent"] } });
    graph.nodes.find((n) => n.id === "h")!.retry = { maxAttempts: 1 };
    const w = (await admin.mutate("workflow.create", { name: `Secret ${url}`, graph })).body.result!.data as { id: string };
    expect((await admin.mutate("workflow.publish", { workflowId: w.id })).status).toBe(200);
    const { runId } = (await admin.mutate("run.start", { workflowId: w.id })).body.result!.data as { runId: string };
    for (let i = 0; i < 200; i++) {
      const run = (await admin.query("run.get", { runId })).body.result!.data as { status: string; tasks: Array<{ lastError: unknown }> };
      if (run.status !== "running") {
        const history = (await admin.query("run.history", { runId })).body.result!.data as { events: Array<{ type: string; payload: unknown }> };
        return { status: run.status, events: history.events, tasks: run.tasks };
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error("the run did not finish");
  }

  it("secrets are encrypted at rest, never returned, filled into steps and redacted from output, history and errors", async () => {
    const set = await admin.mutate("secret.set", { name: "API_KEY", value: SECRET, description: "the partner API" });
    expect(set.status).toBe(200);
    expect(JSON.stringify(set.body)).not.toContain(SECRET);
    const listed = await admin.query("secret.list");
    expect(JSON.stringify(listed.body)).not.toContain(SECRET);
    const row = await server.deps.prisma.secret.findUniqueOrThrow({ where: { name: "API_KEY" } });
    expect(row.ciphertext).not.toContain(SECRET);
    expect(Buffer.from(row.ciphertext, "base64").toString("latin1")).not.toContain(SECRET);
    // The key file sits in the data folder, readable by its owner only.
    const keyFile = path.join(server.deps.config.dataDir, "secret.key");
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    // The ciphertext is bound to its name.
    expect(() => openSecret(loadSecretKey(server.deps.config), "OTHER", row.ciphertext)).toThrow();

    const ok = await runOf(`${echoUrl}/ok`);
    expect(ok.status).toBe("completed");
    expect(seen.at(-1)).toBe(`Bearer ${SECRET}`);
    expect(JSON.stringify(ok.events)).not.toContain(SECRET);
    expect(JSON.stringify(ok.events)).toContain("Bearer [secret API_KEY]");

    const failed = await runOf(`${echoUrl}/fail`);
    expect(failed.status).toBe("failed");
    expect(JSON.stringify(failed)).not.toContain(SECRET);
    expect(JSON.stringify(failed.events)).toContain("[secret API_KEY]");
    // The audit log holds no value either.
    const audit = await server.deps.prisma.auditLog.findMany({ where: { targetType: "secret" } });
    expect(JSON.stringify(audit, (_, v: unknown) => (typeof v === "bigint" ? String(v) : v))).not.toContain(SECRET);
  });

  it("a step naming a secret that does not exist fails with an error that names it", async () => {
    const graph = wf("s:start h:task e:end", "s>h h>e", { config: { h: { type: "http", url: `${echoUrl}/ok`, headers: { authorization: "{{secrets.MISSING_ONE}}" } } } });
    const w = (await admin.mutate("workflow.create", { name: "Missing secret", graph })).body.result!.data as { id: string };
    await admin.mutate("workflow.publish", { workflowId: w.id });
    const { runId } = (await admin.mutate("run.start", { workflowId: w.id })).body.result!.data as { runId: string };
    let run: { status: string; error: unknown } = { status: "running", error: null };
    for (let i = 0; i < 200 && run.status === "running"; i++) {
      await new Promise((r) => setTimeout(r, 50));
      run = (await admin.query("run.get", { runId })).body.result!.data as typeof run;
    }
    expect(run.status).toBe("failed");
    expect(JSON.stringify(run.error)).toMatch(/MissingSecret|No secret is named MISSING_ONE/);
  });

  it("refuses cross-site mutations made with the session cookie; same-site calls and API tokens pass", async () => {
    const post = (origin: string | null, extra: Record<string, string> = {}) =>
      fetch(`${server.url}/api/trpc/workflow.create`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie: admin.cookie, ...(origin ? { origin } : {}), ...extra },
        body: JSON.stringify(superjson.serialize({ name: "CSRF probe" })),
      });
    const evil = await post("https://evil.example");
    expect(evil.status).toBe(403);
    expect(((await evil.json()) as { error: { message: string } }).error.message).toMatch(/Cross-site request refused/);
    expect((await post(null, { "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect((await post(server.url)).status).toBe(200);
    const u = await server.deps.prisma.user.findUniqueOrThrow({ where: { email: ADMIN.email } });
    const t = await createApiToken(server.deps, { type: "user", userId: u.id, email: u.email, role: "admin" }, META, { name: "program", scopes: ["workflow.write"] });
    const withToken = await fetch(`${server.url}/api/trpc/workflow.create`, { method: "POST", headers: { "content-type": "application/json", origin: "https://elsewhere.example", authorization: `Bearer ${t.token}` }, body: JSON.stringify(superjson.serialize({ name: "From a program" })) });
    expect(withToken.status).toBe(200);
    // A WebSocket opened from another site is refused.
    const ws = new WebSocket(`${server.url.replace("http", "ws")}/api/trpc-ws`, { headers: { cookie: admin.cookie, origin: "https://evil.example" } });
    const outcome = await new Promise<string>((resolve) => {
      ws.on("open", () => resolve("open"));
      ws.on("error", () => resolve("refused"));
    });
    expect(outcome).toBe("refused");
  });

  it("answers with security headers and refuses oversized bodies with 413", async () => {
    const res = await fetch(`${server.url}/api/health`);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    const big = await admin.raw("workflow.create", JSON.stringify({ json: { name: "x".repeat(5 * 1024 * 1024) } }));
    expect(big.status).toBe(413);
  });

  it("API tokens: shown once, stored hashed, last use recorded, expire, and stop at revocation", async () => {
    const created = await admin.mutate("token.create", { name: "ci", scopes: ["run.read", "workflow.read"], expiresInDays: 1 });
    expect(created.status).toBe(200);
    const token = (created.body.result!.data as { token: string; id: string }).token;
    const id = (created.body.result!.data as { id: string }).id;
    expect(token).toMatch(/^ptk_[A-Za-z0-9_-]{43}$/);
    const listed = await admin.query("token.list");
    expect(JSON.stringify(listed.body)).not.toContain(token);
    const row = await server.deps.prisma.apiToken.findUniqueOrThrow({ where: { id } });
    expect(row.tokenHash).not.toContain(token);
    const program = new TrpcHttp(server.url);
    program.bearer = token;
    expect((await program.query("workflow.list")).status).toBe(200);
    expect((await server.deps.prisma.apiToken.findUniqueOrThrow({ where: { id } })).lastUsedAt).not.toBeNull();
    // Past its expiry it is refused.
    const later = { ...server.deps, now: () => new Date(Date.now() + 2 * 86_400_000) };
    expect(await resolveApiToken(later, token)).toBeNull();
    // Scopes beyond the maker's role are refused when it is made.
    const u = await makeUser(server.deps, { email: "op@example.com", name: "Op", role: "operator", password: "operator-password-1" });
    await expect(createApiToken(server.deps, { type: "user", userId: u.id, email: u.email, role: "operator" }, META, { name: "too much", scopes: ["user.manage"] })).rejects.toThrow(/cannot hold permissions its maker lacks: user.manage/);
    expect((await admin.mutate("token.revoke", { tokenId: id })).status).toBe(200);
    const refused = await program.query("workflow.list");
    expect(refused.status).toBe(401);
  });
});
