import { describe, expect, it } from "vitest";
import { wf } from "../../lib/petri/fixtures/build";
import { moveNodes } from "../../lib/workflow/edit";
import { autoLayout } from "./layout";
import { nodeSize } from "./node-look";

describe("[designer] auto-layout", () => {
  it("lays a graph out left to right on the grid, with no two nodes overlapping", () => {
    const g = wf("s:start f:parallel-split a:task b:task c:task j:parallel-join e:end", "s>f f>a f>b f>c a>j b>j c>j j>e");
    const laid = moveNodes(g, autoLayout(g));
    const at = new Map(laid.nodes.map((n) => [n.id, n]));
    const x = (id: string) => at.get(id)!.position.x;
    expect(x("s")).toBeLessThan(x("f"));
    expect(x("f")).toBeLessThan(x("a"));
    expect(x("a")).toBeLessThan(x("j"));
    expect(x("j")).toBeLessThan(x("e"));
    for (const n of laid.nodes) expect([n.position.x % 10, n.position.y % 10].map(Math.abs)).toEqual([0, 0]);
    const boxes = laid.nodes.map((n) => ({ ...n.position, ...nodeSize(n.kind) }));
    for (let i = 0; i < boxes.length; i++)
      for (let k = i + 1; k < boxes.length; k++) {
        const p = boxes[i]!;
        const q = boxes[k]!;
        const overlap = p.x < q.x + q.width && q.x < p.x + p.width && p.y < q.y + q.height && q.y < p.y + p.height;
        expect(overlap).toBe(false);
      }
  });
});
