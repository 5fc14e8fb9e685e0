/**
 * The real server process: configuration errors, the data-folder lock, graceful shutdown with a
 * request in flight, restart keeping data, and several processes on one PostgreSQL database.
 * Needs the built web app (`npm run build`; `npm test` builds first).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresDatabase } from "./testing/databases";
import { freePort, ROOT, spawnServer, waitForStart, type ServerProcess } from "./testing/process";

const running: ServerProcess[] = [];
afterAll(async () => {
  for (const p of running) if (p.child.exitCode === null) p.child.kill("SIGKILL");
});

async function start(env: Record<string, string>): Promise<ServerProcess> {
  const p = spawnServer(env, await freePort());
  running.push(p);
  await waitForStart(p);
  return p;
}

async function signIn(url: string, email: string, password: string): Promise<Response> {
  return fetch(`${url}/api/trpc/auth.signIn`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(superjson.serialize({ email, password })),
  });
}

describe("configuration errors stop the process with exit code 2", () => {
  it.each([
    [{ DATABASE_URL: "mysql://x@y/z" }, "DATABASE_URL has scheme \"mysql\""],
    [{ PORT: "99999" }, "PORT must be between 1 and 65535"],
    [{ LOG_LEVEL: "chatty" }, "LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent"],
  ])("%o", async (env, message) => {
    const p = spawnServer({ PETREL_DATA_DIR: path.join(os.tmpdir(), "petrel-never-used"), ...env }, 1);
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toContain(message);
  });
});

describe("one server on the embedded database", () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "petrel-proc-"));
  let first: ServerProcess;

  beforeAll(() => {
    if (!existsSync(path.join(ROOT, ".next", "BUILD_ID"))) throw new Error("The web app is not built: run `npm run build` first (npm test does).");
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("starts on a fresh folder, prints a generated admin password once, and answers health and ready", async () => {
    first = await start({ PETREL_DATA_DIR: dataDir });
    const match = /Sign in as (\S+)\n\s+with the generated password: (\S+)/.exec(first.stdout());
    expect(match?.[1]).toBe("admin@petrel.local");
    expect((await fetch(`${first.url}/api/health`)).status).toBe(200);
    expect((await fetch(`${first.url}/api/ready`)).status).toBe(200);
    expect((await signIn(first.url, "admin@petrel.local", match![2]!)).status).toBe(200);
    process.env.__PETREL_TEST_ADMIN_PASSWORD = match![2];
  });

  it("refuses a second process on the same data folder, naming the pid that holds it", async () => {
    const second = spawnServer({ PETREL_DATA_DIR: dataDir }, await freePort());
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toContain(`The data folder ${dataDir} is in use by another Petrel process (pid ${first.child.pid})`);
  });

  it("on SIGTERM finishes the request in flight, then exits 0 well within 10 s", async () => {
    const body = JSON.stringify(superjson.serialize({ email: "admin@petrel.local", password: process.env.__PETREL_TEST_ADMIN_PASSWORD }));
    const socket = net.connect(first.port, "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
    let response = "";
    socket.on("data", (d) => (response += d.toString()));
    // Send the headers and half the body: the request is now in flight.
    socket.write(`POST /api/trpc/auth.signIn HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`);
    socket.write(body.slice(0, 10));
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    first.child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 500));
    // New connections are refused while it drains.
    const refused = await fetch(`${first.url}/api/health`).then(
      () => false,
      () => true,
    );
    expect(refused).toBe(true);
    socket.write(body.slice(10));
    // The contract is "exit 0 within 10 s of SIGTERM": race the exit against that deadline.
    const deadline = new Promise<string>((r) => setTimeout(() => r("still running 10 s after SIGTERM"), 10_000 - (Date.now() - t0)));
    const code = await Promise.race([first.exited, deadline]);
    expect(response).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(response).toContain("set-cookie: petrel_session=");
    expect(code).toBe(0);
    expect(existsSync(path.join(dataDir, "petrel.lock"))).toBe(false);
  });

  it("restarts on the same folder with its data: no new admin, the same sign-in works", async () => {
    const again = await start({ PETREL_DATA_DIR: dataDir });
    expect(again.stdout()).not.toContain("generated password");
    expect((await signIn(again.url, "admin@petrel.local", process.env.__PETREL_TEST_ADMIN_PASSWORD!)).status).toBe(200);
    again.child.kill("SIGINT");
    expect(await again.exited).toBe(0);
  });
});

describe("several processes on one PostgreSQL database", () => {
  it("all start (one migrates), share sessions, and each is ready", async () => {
    const db = await createPostgresDatabase();
    try {
      const env = { DATABASE_URL: db.url, PETREL_ADMIN_EMAIL: "ops@example.com", PETREL_ADMIN_PASSWORD: "ops-password-1234" };
      const [a, b] = await Promise.all([start(env), start(env)]);
      for (const p of [a!, b!]) expect((await fetch(`${p.url}/api/ready`)).status).toBe(200);
      // A session made on A works on B.
      const res = await signIn(a!.url, "ops@example.com", "ops-password-1234");
      const cookie = res.headers.getSetCookie()[0]!.split(";")[0]!;
      const list = await fetch(`${b!.url}/api/trpc/workflow.list`, { headers: { cookie } });
      expect(list.status).toBe(200);
      for (const p of [a!, b!]) p.child.kill("SIGTERM");
      expect(await Promise.all([a!.exited, b!.exited])).toEqual([0, 0]);
    } finally {
      await db.drop();
    }
  });
});

describe("npm run worker", () => {
  it("refuses to run beside the embedded database, saying why", async () => {
    const { spawnSync } = await import("node:child_process");
    const r = spawnSync(process.execPath, ["--import", "tsx", "server/worker-main.ts"], { cwd: ROOT, encoding: "utf8", env: { PATH: process.env.PATH ?? "", NODE_ENV: "production", PETREL_DATA_DIR: path.join(os.tmpdir(), "petrel-never") } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("a separate worker process needs DATABASE_URL (PostgreSQL)");
  });
});
