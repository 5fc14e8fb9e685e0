/**
 * Files in and out of the designer: Petrel JSON and BPMN 2.0 in (the importers' messages are
 * shown as they are, naming the element and line), Petrel JSON and PNML out.
 */
import { compileWorkflow } from "../../lib/petri/compile";
import { exportPnml as toPnml } from "../../lib/petri/pnml";
import { parseWorkflow, type WorkflowGraph } from "../../lib/workflow/schema";

export type ImportResult = { ok: true; graph: WorkflowGraph; warnings: string[] } | { ok: false; message: string };

/** Largest file the designer reads (the API refuses bodies over 4 MiB anyway). */
export const MAX_IMPORT_BYTES = 4 * 1024 * 1024;

export async function readImport(file: File): Promise<ImportResult> {
  if (file.size > MAX_IMPORT_BYTES) return { ok: false, message: `${file.name} is ${(file.size / 1048576).toFixed(1)} MB; files up to 4 MB can be imported.` };
  const text = await file.text();
  return importText(file.name, text);
}

export async function importText(name: string, text: string): Promise<ImportResult> {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("<")) {
    const { importBpmn } = await import("../../lib/workflow/bpmn");
    const r = await importBpmn(text);
    if (!r.ok) return { ok: false, message: `${name} could not be imported: ${r.errors.map((e) => `${e.elementId ? `${e.elementType ?? "element"} "${e.elementId}": ` : ""}${e.message}${e.line ? ` (line ${e.line})` : ""}`).join("; ")}` };
    return { ok: true, graph: r.graph, warnings: r.warnings };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { ok: false, message: `${name} is neither BPMN XML nor valid JSON: ${(e as Error).message}` };
  }
  const r = parseWorkflow(doc);
  if (!r.ok) return { ok: false, message: `${name} is not a Petrel workflow: ${r.issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`).join("; ")}${r.issues.length > 5 ? ` (and ${r.issues.length - 5} more)` : ""}` };
  return { ok: true, graph: r.graph, warnings: [] };
}

function download(text: string, filename: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

const fileName = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "workflow";

export function exportJson(graph: WorkflowGraph, name: string): void {
  download(`${JSON.stringify(graph, null, 2)}\n`, `${fileName(name)}.petrel.json`, "application/json");
}

export function exportPnml(graph: WorkflowGraph, name: string): void {
  const { net } = compileWorkflow(graph);
  download(toPnml(net, name), `${fileName(name)}.pnml`, "application/xml");
}
