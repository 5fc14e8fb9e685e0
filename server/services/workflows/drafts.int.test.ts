import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wf } from "../../../lib/petri/fixtures/build";
import { makeUser } from "../../../prisma/seed/factories";
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from "../../testing/databases";
import { META } from "../../testing/engine";
import { rejectsWithAppError } from "../../testing/errors";

async function rejects(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const error = await rejectsWithAppError(p);
  expect(error.code).toBe(code);
  expect(error.message).toMatch(message);
}
import type { Actor } from "../deps";
import { createWorkflow } from "./create-workflow";
import { getVersion, getWorkflow, listPlugins, renameWorkflow, restoreVersion, saveDraft } from "./drafts";
import { publishWorkflow } from "./publish-workflow";

const SOUND = wf("s:start a:task e:end", "s>a a>e");
const SOUND2 = wf("s:start a:task b:task e:end", "s>a a>b b>e");
// A parallel split joined by an exclusive merge: lack of synchronisation.
const UNSOUND = wf("s:start f:parallel-split a:task b:task m:exclusive-merge e:end", "s>f f>a f>b a>m b>m m>e");

describe.each(DATABASE_KINDS)("[designer] drafts and versions on %s", (kind) => {
  let t: TestDatabase;
  let admin: Actor;
  let editor: Actor;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
    const a = await makeUser(t.deps, { email: "admin@example.com", name: "Admin", role: "admin", password: "admin-password-1" });
    const e = await makeUser(t.deps, { email: "editor@example.com", name: "Editor", role: "editor", password: "editor-password-1" });
    admin = { type: "user", userId: a.id, email: a.email, role: "admin" };
    editor = { type: "user", userId: e.id, email: e.email, role: "editor" };
  });
  afterAll(() => t.close());

  const audits = (targetId: string, action: string) => t.deps.prisma.auditLog.count({ where: { targetId, action } });

  it("saves a draft at its revision and refuses a stale save, overwriting nothing", async () => {
    const w = await createWorkflow(t.deps, editor, META, { name: "Drafts" });
    const opened = await getWorkflow(t.deps, { workflowId: w.id });
    expect(opened.revision).toBe(1);
    const first = await saveDraft(t.deps, editor, META, { workflowId: w.id, revision: 1, graph: SOUND });
    expect(first.revision).toBe(2);
    // A second tab still at revision 1 saves: refused, with a message saying what to do.
    await rejects(saveDraft(t.deps, editor, META, { workflowId: w.id, revision: 1, graph: SOUND2 }), "CONFLICT", /changed elsewhere.*revision 2.*Reload/);
    const now = await getWorkflow(t.deps, { workflowId: w.id });
    expect(now.revision).toBe(2);
    expect(now.graph.nodes.map((n) => n.id)).toEqual(["s", "a", "e"]);
    expect(await audits(w.id, "workflow.edit")).toBe(1);
  });

  it("refuses an invalid draft naming the problem, and keeps the stored one", async () => {
    const w = await createWorkflow(t.deps, editor, META, { name: "Invalid" });
    const bad = { ...SOUND, edges: [...SOUND.edges, { id: "x", source: "a", target: "nowhere", kind: "flow" }] };
    await rejects(saveDraft(t.deps, editor, META, { workflowId: w.id, revision: 1, graph: bad }), "INVALID_INPUT", /unknown node "nowhere"/);
    expect((await getWorkflow(t.deps, { workflowId: w.id })).revision).toBe(1);
    await rejects(saveDraft(t.deps, editor, META, { workflowId: "00000000-0000-4000-8000-000000000000", revision: 1, graph: SOUND }), "NOT_FOUND", /no workflow/);
  });

  it("publishes versions, reads them back and restores one as the draft", async () => {
    const w = await createWorkflow(t.deps, editor, META, { name: "Versions", graph: SOUND });
    const v1 = await publishWorkflow(t.deps, editor, META, { workflowId: w.id, revision: 1 });
    expect(v1).toMatchObject({ version: 1, created: true, sound: true });
    await saveDraft(t.deps, editor, META, { workflowId: w.id, revision: 1, graph: SOUND2 });
    await rejects(publishWorkflow(t.deps, editor, META, { workflowId: w.id, revision: 1 }), "CONFLICT", /revision 2/);
    const v2 = await publishWorkflow(t.deps, editor, META, { workflowId: w.id, revision: 2 });
    expect(v2.version).toBe(2);
    const opened = await getWorkflow(t.deps, { workflowId: w.id });
    expect(opened.versions.map((v) => [v.version, v.createdBy])).toEqual([[2, "editor@example.com"], [1, "editor@example.com"]]);
    expect((await getVersion(t.deps, { workflowId: w.id, version: 1 })).graph.nodes).toHaveLength(3);
    const restored = await restoreVersion(t.deps, editor, META, { workflowId: w.id, version: 1, revision: 2 });
    expect(restored.revision).toBe(3);
    expect((await getWorkflow(t.deps, { workflowId: w.id })).graph.nodes.map((n) => n.id)).toEqual(["s", "a", "e"]);
    expect(await audits(w.id, "workflow.restore")).toBe(1);
    await rejects(getVersion(t.deps, { workflowId: w.id, version: 9 }), "NOT_FOUND", /no version 9/);
  });

  it("an unsound workflow is refused; only an admin may force it, with a reason, and that is audited", async () => {
    const w = await createWorkflow(t.deps, editor, META, { name: "Unsound", graph: UNSOUND });
    await rejects(publishWorkflow(t.deps, editor, META, { workflowId: w.id }), "CONFLICT", /cannot be published/);
    await rejects(publishWorkflow(t.deps, editor, META, { workflowId: w.id, force: { reason: "the customer demo needs it today" } }), "FORBIDDEN", /Only an admin/);
    await expect(publishWorkflow(t.deps, admin, META, { workflowId: w.id, force: { reason: "short" } })).rejects.toThrow(/at least 10/);
    const v = await publishWorkflow(t.deps, admin, META, { workflowId: w.id, force: { reason: "the customer demo needs it today" } });
    expect(v).toMatchObject({ version: 1, sound: false, created: true });
    const row = await t.deps.prisma.auditLog.findFirstOrThrow({ where: { targetId: w.id, action: "workflow.publish.forced" } });
    expect(row.after).toMatchObject({ version: 1, reason: "the customer demo needs it today" });
    expect(await audits(w.id, "workflow.publish")).toBe(0);
  });

  it("renames, audited; lists the plugins with their configuration as JSON Schema", async () => {
    const w = await createWorkflow(t.deps, editor, META, { name: "Old name" });
    expect(await renameWorkflow(t.deps, editor, META, { workflowId: w.id, name: "  New name " })).toMatchObject({ name: "New name" });
    expect(await audits(w.id, "workflow.rename")).toBe(1);
    const plugins = listPlugins(t.deps);
    const http = plugins.find((p) => p.type === "http")!;
    expect(http.title).toBeTruthy();
    expect(http.configSchema).toMatchObject({ type: "object" });
    expect(Object.keys((http.configSchema as { properties: object }).properties)).toContain("url");
  });
});
