/** The HTTP plugin against a real server on loopback. */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../observability/logger";
import { toFailure } from "../engine/policy";
import { httpPlugin as makeHttpPlugin } from "./http";

let server: http.Server;
let base = "";
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/ok") return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: 7, key: req.headers["idempotency-key"] }));
    if (url.pathname === "/500") return void res.writeHead(503).end("down");
    if (url.pathname === "/to-metadata") return void res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data" }).end();
    if (url.pathname === "/404") return void res.writeHead(404).end("no");
    if (url.pathname === "/slow") return void setTimeout(() => res.writeHead(200).end("late"), 2000);
    res.writeHead(400).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

// The tests call a server on loopback, which the plugin refuses unless allowed: allowed here explicitly.
const httpPlugin = makeHttpPlugin(["127.0.0.1"]);
const guarded = makeHttpPlugin([]);

const ctx = (config: Record<string, unknown>, variables: Record<string, unknown> = {}) => ({
  config: httpPlugin.configSchema.parse(config),
  variables,
  signal: new AbortController().signal,
  heartbeat: async () => {},
  idempotencyKey: "task-1:1",
  attempt: 1,
  runId: "r",
  nodeId: "n",
  log: createLogger("silent"),
  now: () => new Date(),
});

const failure = async (p: Promise<unknown>) => toFailure(await p.then(() => new Error("expected a failure"), (e: unknown) => e));

describe("http plugin", () => {
  it("maps the response and sends the attempt's idempotency key", async () => {
    const out = await httpPlugin.execute(ctx({ url: `=base + "/ok"`, map: { id: "body.id", key: "body.key", status: "status" } }, { base }));
    expect(out).toEqual({ id: 7, key: "task-1:1", status: 200 });
  });

  it("classifies failures: 5xx and network errors retryable, 4xx not, timeouts named", async () => {
    expect(await failure(httpPlugin.execute(ctx({ url: `${base}/500` })))).toMatchObject({ type: "HttpServerError", nonRetryable: false });
    expect(await failure(httpPlugin.execute(ctx({ url: `${base}/404` })))).toMatchObject({ type: "HttpClientError", nonRetryable: true });
    expect(await failure(httpPlugin.execute(ctx({ url: `${base}/slow`, timeoutMs: 200 })))).toMatchObject({ type: "HttpTimeout", nonRetryable: false });
    expect(await failure(httpPlugin.execute(ctx({ url: "http://127.0.0.1:9/closed" })))).toMatchObject({ type: "HttpNetworkError", nonRetryable: false });
    expect(await failure(httpPlugin.execute(ctx({ url: "ftp://example.test/x" })))).toMatchObject({ type: "InvalidUrl", nonRetryable: true });
  });

  it("refuses loopback, private and link-local addresses unless allowed, also by name and after a redirect", async () => {
    for (const url of [`${base}/ok`, "http://localhost:65000/x", "http://10.1.2.3/x", "http://192.168.0.1/x", "http://169.254.169.254/latest/meta-data", "http://[::1]:65000/x", "http://0.0.0.0:65000/x"]) {
      const f = await failure(guarded.execute(ctx({ url, timeoutMs: 2000 })));
      expect(f, url).toMatchObject({ type: "BlockedAddress", nonRetryable: true });
      expect(f.message).toMatch(/PETREL_HTTP_ALLOW/);
    }
    // A redirect from an allowed host to a refused one is refused too.
    const onlyByName = makeHttpPlugin(["127.0.0.1/32"]);
    expect(await onlyByName.execute(ctx({ url: `${base}/ok`, map: { status: "status" } }))).toEqual({ status: 200 });
    expect(await failure(onlyByName.execute(ctx({ url: `${base}/to-metadata`, timeoutMs: 2000 })))).toMatchObject({ type: "BlockedAddress", nonRetryable: true });
    await expect(() => makeHttpPlugin(["not a host!"]).execute(ctx({ url: `${base}/ok` }))).rejects.toThrow(/PETREL_HTTP_ALLOW: "not a host!"/);
    expect(await failure(httpPlugin.execute(ctx({ url: "not a url" })))).toMatchObject({ type: "InvalidUrl", nonRetryable: true });
  });
});
