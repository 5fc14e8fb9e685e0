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
