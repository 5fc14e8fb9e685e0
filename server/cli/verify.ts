/**
 * `petrel verify [--json] FILE...`: verifies workflows (.json), Petri nets (.pnml) and BPMN
 * models (.bpmn). With --json, exactly one JSON object per file, one per line. Exit code 0 when
 * every file is sound, 1 when any is not (or is not known to be: state budget), 2 on bad input.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { importBpmn } from "../../lib/workflow/bpmn";
import { parseWorkflow } from "../../lib/workflow/schema";
import type { Finding } from "../../lib/petri/findings";
import { importPnml } from "../../lib/petri/pnml";
import { verifyNet, verifyWorkflow, type NetVerdict } from "../../lib/petri/verify";

type Format = "json" | "pnml" | "bpmn";
const FORMATS: Record<string, Format> = { ".json": "json", ".pnml": "pnml", ".bpmn": "bpmn", ".xml": "pnml" };

export type FileReport =
  | ({ file: string; format: Format; places: number; transitions: number; ms: number } & Pick<NetVerdict, "sound" | "safe" | "optionToComplete" | "properCompletion" | "noDeadTransitions" | "deadTransitions" | "deadlockFree" | "states"> & { issues: Finding[] })
  | { file: string; format: Format | null; error: string };

class InputError extends Error {}

async function verifyFile(file: string, maxStates?: number): Promise<FileReport> {
  const format = FORMATS[path.extname(file).toLowerCase()] ?? null;
  try {
    if (!format) throw new InputError(`unknown file type "${path.extname(file) || "(none)"}"; expected .json, .pnml or .bpmn`);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      throw new InputError(`cannot read the file: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "it does not exist" : (error as Error).message}`);
    }
    const t0 = performance.now();
    if (format === "pnml") {
      const r = importPnml(text);
      if (!r.ok) throw new InputError(r.errors.map((e) => `${e.message}${e.line && !e.message.includes("line") ? ` (line ${e.line})` : ""}`).join("; "));
      const v = verifyNet(r.net, { maxStates });
      return report(file, format, r.net.places.length, r.net.transitions.length, v, performance.now() - t0);
    }
    let doc: unknown;
    if (format === "bpmn") {
      const r = await importBpmn(text);
      if (!r.ok) throw new InputError(r.errors.map((e) => e.message).join("; "));
      doc = r.graph;
    } else {
      try {
        doc = JSON.parse(text);
      } catch (error) {
        throw new InputError(`invalid JSON: ${(error as Error).message}`);
      }
    }
    const parsed = parseWorkflow(doc);
    if (!parsed.ok) throw new InputError(parsed.issues.map((i) => `${i.path}: ${i.message}`).join("; "));
    const v = verifyWorkflow(parsed.graph, { maxStates });
    return report(file, format, v.places, v.transitions, v, performance.now() - t0);
  } catch (error) {
    if (error instanceof InputError) return { file, format, error: error.message };
    throw error;
  }
}

function report(file: string, format: Format, places: number, transitions: number, v: NetVerdict, ms: number): FileReport {
  return {
    file,
    format,
    places,
    transitions,
    sound: v.sound,
    safe: v.safe,
    optionToComplete: v.optionToComplete,
    properCompletion: v.properCompletion,
    noDeadTransitions: v.noDeadTransitions,
    deadTransitions: v.deadTransitions,
    deadlockFree: v.deadlockFree,
    states: v.states,
    ms: Math.round(ms * 1000) / 1000,
    issues: v.issues,
  };
}

const verdictWord = (s: boolean | null) => (s === true ? "sound" : s === false ? "NOT sound" : "not checked (state budget)");

/** Runs the command; returns the exit code. */
export async function runVerify(args: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const json = args.includes("--json");
  let maxStates: number | undefined;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--json") continue;
    if (a === "--max-states") {
      maxStates = Number(args[++i]);
      if (!Number.isInteger(maxStates) || maxStates < 1) {
        err("petrel verify: --max-states needs a positive whole number\n");
        return 2;
      }
      continue;
    }
    if (a.startsWith("--")) {
      err(`petrel verify: unknown option ${a}\n`);
      return 2;
    }
    files.push(a);
  }
  if (!files.length) {
    err("usage: petrel verify [--json] [--max-states N] FILE...   (.json workflow, .pnml net, .bpmn model)\n");
    return 2;
  }
  let code = 0;
  for (const file of files) {
    const r = await verifyFile(file, maxStates);
    if ("error" in r) {
      code = 2;
      err(`petrel verify: ${file}: ${r.error}\n`);
      if (json) out(`${JSON.stringify(r)}\n`);
      continue;
    }
    if (r.sound !== true && code === 0) code = 1;
    if (json) {
      out(`${JSON.stringify({ ...r, issues: r.issues.map((i) => ({ code: i.code, message: i.message, nodeIds: i.nodeIds, trace: i.trace ?? null })) })}\n`);
      continue;
    }
    out(`${file}: ${verdictWord(r.sound)} — ${r.places} places, ${r.transitions} transitions, ${r.states} states, ${r.ms} ms\n`);
    for (const i of r.issues) {
      out(`  ${i.severity === "error" ? "✗" : "!"} ${i.code}: ${i.message}${i.nodeIds.length ? ` [${i.nodeIds.join(", ")}]` : ""}\n`);
      if (i.trace?.length) out(`      run: ${i.trace.map((s) => s.label).join(" → ")}\n`);
    }
  }
  return code;
}
