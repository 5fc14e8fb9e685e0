/**
 * `petrel convert --to pnml|json FILE`: writes a workflow (.json) or BPMN model (.bpmn) as PNML
 * (the compiled net) or as Petrel's workflow JSON, on standard output. Exit 2 on bad input.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { compileWorkflow } from "../../lib/petri/compile";
import { exportPnml } from "../../lib/petri/pnml";
import { importBpmn } from "../../lib/workflow/bpmn";
import { parseWorkflow } from "../../lib/workflow/schema";

export async function runConvert(args: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const i = args.indexOf("--to");
  const to = i >= 0 ? args[i + 1] : undefined;
  const files = args.filter((_, k) => k !== i && k !== i + 1);
  if ((to !== "pnml" && to !== "json") || files.length !== 1) {
    err("usage: petrel convert --to pnml|json FILE   (FILE: a workflow .json or a BPMN .bpmn)\n");
    return 2;
  }
  const file = files[0]!;
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    err(`petrel convert: ${file}: cannot read the file: ${(error as Error).message}\n`);
    return 2;
  }
  let doc: unknown;
  const ext = path.extname(file).toLowerCase();
  if (ext === ".bpmn") {
    const r = await importBpmn(text);
    if (!r.ok) {
      err(`petrel convert: ${file}: ${r.errors.map((e) => e.message).join("; ")}\n`);
      return 2;
    }
    doc = r.graph;
  } else if (ext === ".json") {
    try {
      doc = JSON.parse(text);
    } catch (error) {
      err(`petrel convert: ${file}: invalid JSON: ${(error as Error).message}\n`);
      return 2;
    }
  } else {
    err(`petrel convert: ${file}: unknown file type "${ext || "(none)"}"; expected .json or .bpmn\n`);
    return 2;
  }
  const parsed = parseWorkflow(doc);
  if (!parsed.ok) {
    err(`petrel convert: ${file}: ${parsed.issues.map((p) => `${p.path}: ${p.message}`).join("; ")}\n`);
    return 2;
  }
  if (to === "json") out(`${JSON.stringify(parsed.graph, null, 2)}\n`);
  else out(exportPnml(compileWorkflow(parsed.graph).net, path.basename(file, ext)));
  return 0;
}
