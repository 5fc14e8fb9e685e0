/**
 * Secrets inside the worker, on both databases: a step's settings get the value, and the value
 * never reaches the step's log lines, its output in history, or its error.
 */
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wf } from "../../lib/petri/fixtures/build";
import { setSecret } from "../services/secrets/secrets";
import { DATABASE_KINDS } from "../testing/databases";
import { engineFixture, META, type EngineFixture } from "../testing/engine";
import { Worker } from "./worker";

const VALUE = "pa55-w0rd-of-the-partner";

describe.each(DATABASE_KINDS)("secrets in steps on %s", (kind) => {
  let f: EngineFixture;
  beforeAll(async () => {
    f = await engineFixture(kind);
    await setSecret(f.deps, f.actor, META, { name: "PARTNER_KEY", value: VALUE });
  });
  afterAll(() => f.close());

  it("fills the value in and redacts it from log lines, output and errors", async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) });
    const worker = new Worker({ ...f.deps, log: pino({ level: "info" }, sink) }, { id: "secret-worker", concurrency: 4 });
    const graph = wf("s:start l:task b:task e:end", "s>l l>b b>e", {
      config: { l: { type: "log", message: "calling with {{secrets.PARTNER_KEY}}" }, b: { type: "fail", times: 1, errorType: "Rejected", message: "the partner refused key {{secrets.PARTNER_KEY}}", nonRetryable: true } },
    });
    const runId = await f.start(graph);
    for (let i = 0; i < 5; i++) await worker.drainOnce();
    expect(await f.status(runId)).toBe("failed");
    const logged = lines.join("");
    expect(logged).toContain("calling with [secret PARTNER_KEY]");
    expect(logged).not.toContain(VALUE);
    const events = await f.deps.prisma.runEventBatch.findMany({ where: { runId } });
    const history = JSON.stringify(events, (_, v: unknown) => (typeof v === "bigint" ? String(v) : v));
    expect(history).toContain("the partner refused key [secret PARTNER_KEY]");
    expect(history).not.toContain(VALUE);
    const run = await f.deps.prisma.run.findUniqueOrThrow({ where: { id: runId } });
    expect(JSON.stringify(run)).not.toContain(VALUE);
  });
});
