import { describe, expect, it } from "vitest";
import { PERMISSIONS, POLICY, ROLES, can, type Permission } from "./policy";

describe("policy table", () => {
  const all = Object.keys(PERMISSIONS) as Permission[];

  it("gives admins every permission", () => {
    for (const p of all) expect(can("admin", p)).toBe(true);
  });

  it.each([
    ["viewer", "workflow.read", true],
    ["viewer", "workflow.write", false],
    ["viewer", "run.operate", false],
    ["viewer", "admin.access", false],
    ["operator", "run.operate", true],
    ["operator", "workflow.write", false],
    ["editor", "workflow.write", true],
    ["editor", "workflow.publish", true],
    ["editor", "user.manage", false],
    ["editor", "admin.access", false],
  ] as const)("%s may %s: %s", (role, permission, allowed) => {
    expect(can(role, permission)).toBe(allowed);
  });

  it("orders roles: each role holds everything the next lower one holds", () => {
    for (let i = 0; i + 1 < ROLES.length; i++) {
      const higher = POLICY[ROLES[i]!];
      for (const p of POLICY[ROLES[i + 1]!]) expect(higher.has(p)).toBe(true);
    }
  });

  it("lists only known permissions", () => {
    for (const r of ROLES) for (const p of POLICY[r]) expect(all).toContain(p);
  });
});

describe("decide: roles, grants, visibility, tokens", () => {
  const open = { workflowId: "w1", ownerId: "owner", visibility: "organization" as const, grant: null };
  const restricted = { ...open, visibility: "restricted" as const };
  it("restricted workflows are invisible without a grant; a grant gives its permissions whatever the role", async () => {
    const { decide } = await import("./policy");
    expect(decide({ userId: "u", role: "operator" }, "run.operate", open)).toEqual({ allowed: true });
    expect(decide({ userId: "u", role: "operator" }, "run.read", restricted)).toMatchObject({ allowed: false, hidden: true });
    expect(decide({ userId: "u", role: "viewer" }, "run.operate", { ...restricted, grant: "runner" })).toEqual({ allowed: true });
    expect(decide({ userId: "u", role: "viewer" }, "workflow.write", { ...restricted, grant: "runner" })).toMatchObject({ allowed: false, hidden: false });
    expect(decide({ userId: "owner", role: "viewer" }, "workflow.share", restricted)).toEqual({ allowed: true });
    expect(decide({ userId: "u", role: "admin" }, "workflow.share", restricted)).toEqual({ allowed: true });
  });
  it("tokens: scopes, one workflow, never token.manage", async () => {
    const { decide } = await import("./policy");
    const token = (scopes: Permission[], workflowId: string | null = null) => ({ userId: "u", role: "admin" as const, token: { scopes: new Set(scopes), workflowId } });
    expect(decide(token(["run.read"]), "run.operate", open)).toMatchObject({ allowed: false });
    expect(decide(token(["run.read"], "w2"), "run.read", open)).toMatchObject({ allowed: false, hidden: true });
    expect(decide(token(["run.read"], "w1"), "run.read", open)).toEqual({ allowed: true });
    expect(decide(token(["workflow.write"], "w1"), "workflow.write", null)).toMatchObject({ allowed: false });
    expect(decide(token(["run.read"], "w1"), "run.read", null, { listing: true })).toEqual({ allowed: true });
    expect(decide(token(["token.manage"]), "token.manage")).toMatchObject({ allowed: false });
  });
});
