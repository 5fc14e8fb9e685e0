/**
 * Fuzzing every procedure's input (fast-check): whatever arrives, the answer is a 4xx with a
 * message — never a 500. Calls go through the router as an admin (so that authorization lets
 * them reach the input checks and the services), plus raw HTTP bodies for the wire format.
 */
import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wf } from "../../lib/petri/fixtures/build";
import { makeUser } from "../../prisma/seed/factories";
import { resolveSession } from "../services/auth/resolve-session";
import { signIn } from "../services/auth/sign-in";
import { startApiServer, type TestServer } from "../testing/api-server";
import { META } from "../testing/engine";
import { TrpcHttp } from "../testing/http-client";
import { appRouter, createCaller } from "./router";
import type { Context } from "./trpc";

const PASSWORD = "fuzz-password-1234";

describe("fuzzing every procedure's input", () => {
  let server: TestServer;
  let ctx: Context;
  const known: Record<string, string> = {};

  beforeAll(async () => {
    server = await startApiServer("pglite");
    const u = await makeUser(server.deps, { email: "fuzz@example.com", name: "Fuzz", role: "admin", password: PASSWORD });
    const s = await signIn(server.deps, META, { email: u.email, password: PASSWORD });
    const session = (await resolveSession(server.deps, s.token))!;
    ctx = { deps: server.deps, session, principal: { userId: u.id, role: "admin" }, meta: META, responseHeaders: new Headers(), secureCookies: false };
    const caller = createCaller(ctx);
    const w = await caller.workflow.create({ name: "Fuzzed", graph: wf("s:start a:task e:end", "s>a a>e", { config: { a: { type: "noop" } } }) });
    await caller.workflow.publish({ workflowId: w.id });
    known.workflowId = w.id;
    known.runId = (await caller.run.start({ workflowId: w.id })).runId;
    known.userId = u.id;
  });
  afterAll(() => server?.close());

  const FIELDS = ["workflowId", "runId", "userId", "tokenId", "name", "email", "password", "role", "graph", "revision", "version", "limit", "cursor", "afterSeq", "nodeId", "decision", "payload", "input", "scopes", "value", "visibility", "grant", "from", "to", "q", "action", "actor", "reason", "force", "disabled", "status", "intervalMs"];
  const value = fc.oneof(
    fc.anything(),
    fc.string({ maxLength: 300 }),
    fc.uuid(),
    fc.constantFrom(...["workflowId", "runId", "userId"].map((k) => () => known[k])).map((f) => f()),
    fc.integer(),
    fc.double(),
    fc.constantFrom("", "admin", "approve", "restricted", "owner", "workflow.*", "2026-01-01", "-1", "1e400", "\u0000", "'; DROP TABLE runs; --", "{{secrets.NOPE}}"),
    fc.array(fc.string(), { maxLength: 5 }),
  );
  const input = fc.oneof(fc.anything(), fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 6 }));

  const procedures = Object.keys(appRouter._def.procedures as object).filter((n) => n !== "auth.signOut");

  it.each(procedures)("%s answers every input with a result or a 4xx naming the problem", async (name) => {
    const [group, proc] = name.split(".") as [string, string];
    const caller = createCaller(ctx) as unknown as Record<string, Record<string, (i: unknown) => Promise<unknown>>>;
    await fc.assert(
      fc.asyncProperty(input, async (i) => {
        try {
          const out = await caller[group]![proc]!(i);
          if (out && typeof out === "object" && Symbol.asyncIterator in out) await (out as AsyncIterable<unknown>)[Symbol.asyncIterator]().return?.();
        } catch (error) {
          expect(error).toBeInstanceOf(TRPCError);
          const status = getHTTPStatusCodeFromError(error as TRPCError);
          expect({ name, status, message: (error as Error).message }).toMatchObject({ status: expect.toSatisfy((s: number) => s >= 400 && s < 500) });
          expect((error as Error).message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 40, seed: 4242 },
    );
  });

  it("raw HTTP bodies: malformed JSON, wrong shapes and huge values answer 4xx with a message", async () => {
    const http = new TrpcHttp(server.url);
    expect((await http.mutate("auth.signIn", { email: "fuzz@example.com", password: PASSWORD })).status).toBe(200);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...procedures.filter((p) => !/watch|changes|status/.test(p))), fc.oneof(fc.string({ maxLength: 200 }), fc.json()), async (p, body) => {
        const r = await http.raw(p, body);
        expect({ p, status: r.status }).toMatchObject({ status: expect.toSatisfy((s: number) => s < 500) });
        if (r.status >= 400) expect(r.body.error?.message?.length ?? 0).toBeGreaterThan(0);
      }),
      { numRuns: 150, seed: 7 },
    );
  });
});
