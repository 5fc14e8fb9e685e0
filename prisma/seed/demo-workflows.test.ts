import { describe, expect, it } from "vitest";
import { verifyWorkflow } from "../../lib/petri/verify";
import { parseWorkflow } from "../../lib/workflow/schema";
import { DEMO_WORKFLOWS } from "./demo-workflows";

describe("demo workflows", () => {
  it.each(DEMO_WORKFLOWS.map((d) => [d.slug, d] as const))("%s is valid, sound and passes the data checks", (_slug, d) => {
    expect(parseWorkflow(d.graph).ok).toBe(true);
    const r = verifyWorkflow(d.graph);
    expect(r.issues).toEqual([]);
    expect(r.ok).toBe(true);
  });
});
