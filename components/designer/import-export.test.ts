import { describe, expect, it } from "vitest";
import { wf } from "../../lib/petri/fixtures/build";
import { importText } from "./import-export";

const BPMN = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://petrel.test">
  <bpmn:process id="p" isExecutable="true">${body}</bpmn:process>
</bpmn:definitions>`;

describe("[designer] import", () => {
  it("takes a Petrel JSON workflow", async () => {
    const r = await importText("a.json", JSON.stringify(wf("s:start a:task e:end", "s>a a>e")));
    expect(r.ok && r.graph.nodes.map((n) => n.id)).toEqual(["s", "a", "e"]);
  });

  it("names what is wrong with a JSON file", async () => {
    const bad = await importText("bad.json", "{ not json");
    expect(bad).toMatchObject({ ok: false, message: expect.stringMatching(/bad\.json is neither BPMN XML nor valid JSON/) });
    const wrong = await importText("wrong.json", JSON.stringify({ petrel: 1, nodes: [{ id: "x", kind: "nope", position: { x: 0, y: 0 } }], edges: [] }));
    expect(wrong).toMatchObject({ ok: false, message: expect.stringMatching(/wrong\.json is not a Petrel workflow: nodes\.0\.kind/) });
  });

  it("imports BPMN 2.0, and shows the importer's message naming the element it cannot take", async () => {
    const ok = await importText(
      "ok.bpmn",
      BPMN(`<bpmn:startEvent id="s"/><bpmn:task id="t" name="Check"/><bpmn:endEvent id="e"/>
        <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/><bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>`),
    );
    expect(ok.ok).toBe(true);
    const bad = await importText("bad.bpmn", BPMN(`<bpmn:startEvent id="s"/><bpmn:complexGateway id="cg"/><bpmn:endEvent id="e"/>`));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.message).toMatch(/bad\.bpmn could not be imported: .*"cg"/);
  });
});
