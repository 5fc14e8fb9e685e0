import { describe, expect, it } from "vitest";
import { diffValues, flatten } from "./diff";

describe("audit diff", () => {
  it("marks added, removed, changed and unchanged paths, nested and in arrays", () => {
    const lines = diffValues({ role: "viewer", tags: ["a", "b"], deep: { x: 1, gone: true } }, { role: "admin", tags: ["a", "c", "d"], deep: { x: 1 } });
    expect(Object.fromEntries(lines.map((l) => [l.path, l.kind]))).toEqual({ role: "changed", "tags[0]": "same", "tags[1]": "changed", "tags[2]": "added", "deep.x": "same", "deep.gone": "removed" });
  });
  it("handles a missing side (a create or a delete) and plain values", () => {
    expect(diffValues(null, { name: "n" })).toEqual([{ path: "name", kind: "added", after: "n" }]);
    expect(diffValues({ name: "n" }, undefined)).toEqual([{ path: "name", kind: "removed", before: "n" }]);
    expect(diffValues(1, 2)).toEqual([{ path: "(value)", kind: "changed", before: 1, after: 2 }]);
    expect([...flatten({ a: {} })]).toEqual([["a", {}]]);
  });
});
