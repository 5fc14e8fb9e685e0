/** `petrel verify` as a real process: JSON lines, exit codes, bad input. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFECTS, PATTERNS } from "../../lib/petri/fixtures/patterns";
import { ROOT } from "../testing/process";

const dir = mkdtempSync(path.join(os.tmpdir(), "petrel-verify-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function petrel(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "server/cli/petrel.ts", "verify", ...args], { cwd: ROOT, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stdout.split("\n").filter(Boolean) };
}

const write = (name: string, content: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
};

const sound = write("sound.json", JSON.stringify(PATTERNS["WCP02+03 parallel split and synchronization"]));
const deadlock = write("deadlock.json", JSON.stringify(DEFECTS["deadlock: exclusive split closed by a parallel join"]));
const pnml = path.join(ROOT, "lib/petri/fixtures/pnml/deadlock.pnml");

describe("petrel verify", () => {
  it("prints one JSON object per file and exits 0 when all are sound", () => {
    const r = petrel("--json", sound);
    expect(r.code).toBe(0);
    expect(r.lines).toHaveLength(1);
    const o = JSON.parse(r.lines[0]!);
    expect(Object.keys(o)).toEqual(["file", "format", "places", "transitions", "sound", "safe", "optionToComplete", "properCompletion", "noDeadTransitions", "deadTransitions", "deadlockFree", "states", "ms", "issues"]);
    expect(o).toMatchObject({ file: sound, format: "json", sound: true, safe: true, deadTransitions: [], issues: [] });
  });

  it("exits 1 when any file is unsound, with issues and traces", () => {
    const r = petrel("--json", sound, deadlock, pnml);
    expect(r.code).toBe(1);
    expect(r.lines).toHaveLength(3);
    const [a, b, c] = r.lines.map((l) => JSON.parse(l));
    expect(a.sound).toBe(true);
    expect(b).toMatchObject({ format: "json", sound: false, deadlockFree: false });
    expect(b.issues[0]).toMatchObject({ code: "DEADLOCK", nodeIds: ["j"] });
    expect(b.issues[0].trace.map((s: { nodeId: string }) => s.nodeId)).toEqual(["s", "x", "a"]);
    expect(c).toMatchObject({ format: "pnml", sound: false, places: 4, transitions: 3 });
  });

  it("reads BPMN: a sound model, and an unsupported element named with its id and type", () => {
    const ok = petrel("--json", path.join(ROOT, "lib/workflow/fixtures/bpmn/gateways.bpmn"));
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.lines[0]!)).toMatchObject({ format: "bpmn", sound: true });
    const bad = petrel("--json", path.join(ROOT, "lib/workflow/fixtures/bpmn/error-complex-gateway.bpmn"));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('complexGateway "Gateway_1" is not supported');
  });

  it("exits 2 on bad input, naming the file and the problem", () => {
    const badXml = write("broken.pnml", "<pnml><net id='n'>\n<page id='p'>\n<place id='a'>\n</page></net></pnml>");
    const badJson = write("broken.json", "{ nope");
    const badGraph = write("graph.json", JSON.stringify({ petrel: 1, nodes: [{ id: "a", kind: "teleport", position: { x: 0, y: 0 } }], edges: [] }));
    const r = petrel("--json", sound, badXml, badJson, badGraph, path.join(dir, "missing.json"), write("x.txt", ""));
    expect(r.code).toBe(2);
    expect(r.lines).toHaveLength(6);
    expect(r.stderr).toContain(`${badXml}: invalid XML at line 4`);
    expect(r.stderr).toContain(`${badJson}: invalid JSON`);
    expect(r.stderr).toContain(`${badGraph}: nodes.0.kind:`);
    expect(r.stderr).toContain("missing.json: cannot read the file: it does not exist");
    expect(r.stderr).toContain('x.txt: unknown file type ".txt"');
  });

  it("convert: BPMN -> workflow JSON -> PNML, and the PNML verifies like the workflow", () => {
    const run = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", "server/cli/petrel.ts", "convert", ...args], { cwd: ROOT, encoding: "utf8" });
    const json = run("--to", "json", path.join(ROOT, "lib/workflow/fixtures/bpmn/gateways.bpmn"));
    expect(json.status).toBe(0);
    const wfFile = write("from-bpmn.json", json.stdout);
    const pnmlOut = run("--to", "pnml", wfFile);
    expect(pnmlOut.status).toBe(0);
    const pnmlFile = write("from-bpmn.pnml", pnmlOut.stdout);
    const r = petrel("--json", wfFile, pnmlFile);
    expect(r.code).toBe(0);
    const [a, b] = r.lines.map((l) => JSON.parse(l));
    expect([b.places, b.transitions, b.sound]).toEqual([a.places, a.transitions, true]);
    expect(run("--to", "svg", wfFile).status).toBe(2);
  });

  it("prints a readable report without --json", () => {
    const r = petrel(deadlock);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("NOT sound");
    expect(r.stdout).toContain("DEADLOCK: The run can get stuck before it completes, with work waiting at a → j. [j]");
    expect(r.stdout).toContain("run: s → x → a");
  });
});
