import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileWorkflow } from "./compile";
import { DEFECTS, PATTERNS } from "./fixtures/patterns";
import { exportPnml, importPnml } from "./pnml";
import { verifyNet, verifyWorkflow } from "./verify";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/pnml/${name}`, import.meta.url), "utf8");

describe("PNML", () => {
  it.each(Object.entries({ ...PATTERNS, ...DEFECTS }))("round trip JSON -> PNML -> net keeps the net and the verdict: %s", (_name, graph) => {
    const { net } = compileWorkflow(graph);
    const back = importPnml(exportPnml(net, "x"));
    if (!back.ok) throw new Error(JSON.stringify(back.errors));
    expect(back.net).toEqual(net);
    const a = verifyWorkflow(graph, { reduce: false });
    const b = verifyNet(back.net, { reduce: false });
    expect([b.sound, b.safe, b.optionToComplete, b.properCompletion, b.deadlockFree, b.deadTransitions]).toEqual([a.sound, a.safe, a.optionToComplete, a.properCompletion, a.deadlockFree, a.deadTransitions]);
  });

  it("reads places, transitions, arc weights, initial marking and names across nested pages", () => {
    const r = importPnml(fixture("two-pages-weights.pnml"));
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.name).toBe("Producer and consumer");
    expect(r.net.places.map((p) => [p.id, p.label])).toEqual([["i", "ready"], ["buf", "buffer"], ["o", "done"]]);
    expect(r.net.initial).toEqual([1, 0, 0]);
    expect(r.net.transitions.map((t) => [t.id, t.label, t.inputs, t.outputs])).toEqual([
      ["split", "make two", [{ place: 0, weight: 1 }], [{ place: 1, weight: 2 }]],
      ["take", "take both", [{ place: 1, weight: 2 }], [{ place: 2, weight: 1 }]],
    ]);
    expect(r.net.sinks).toEqual([2]);
    const v = verifyNet(r.net);
    expect([v.sound, v.safe, v.optionToComplete]).toEqual([false, false, true]);
  });

  it("verifies a deadlocking net read from PNML", () => {
    const r = importPnml(fixture("deadlock.pnml"));
    if (!r.ok) throw new Error("bad fixture");
    const v = verifyNet(r.net);
    expect(v.deadlockFree).toBe(false);
    expect(v.issues.find((i) => i.code === "DEADLOCK")!.trace!.map((s) => s.transition)).toEqual(["a"]);
  });

  it.each([
    ["<pnml><net id='n' type='ptnet'><page id='p'><place id='a'></page></net></pnml>", /^invalid XML at line 1, column \d+: /],
    ["<nope/>", /^not a PNML document/],
    ["<pnml><net id='n'><page id='p'><place id='a'/><place id='b'/><arc id='x' source='a' target='b'/></page></net></pnml>", /^arc "x" must connect a place and a transition$/],
    ["<pnml><net id='n'><page id='p'><place id='a'/><arc id='x' source='a' target='zz'/></page></net></pnml>", /^arc "x" names unknown node "zz"$/],
    ["<pnml><net id='n'><page id='p'><place id='a'><initialMarking><text>-1</text></initialMarking></place></page></net></pnml>", /^place "a" has initial marking "-1"; expected a whole number from 0 to 255$/],
    ["<pnml><net id='n'><page id='p'><place id='a'/><place id='a'/></page></net></pnml>", /^duplicate id "a"$/],
    ["<pnml><net id='n'><page id='p'><referencePlace id='r' ref='a'/></page></net></pnml>", /^reference node "r" is not supported/],
    ["<pnml><net id='n' type='http://www.pnml.org/version-2009/grammar/symmetricnet'><page id='p'/></net></pnml>", /is not a place\/transition net/],
  ])("refuses bad input with a message naming the problem: %s", (xml, message) => {
    const r = importPnml(xml);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]!.message).toMatch(message);
  });

  it("names the line of a bad element", () => {
    const r = importPnml(`<pnml>\n<net id="n">\n<page id="p">\n<place id="a"/>\n<arc id="x" source="a" target="a"/>\n</page></net></pnml>`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatchObject({ elementId: "x", line: 5 });
  });
});
