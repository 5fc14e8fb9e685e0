/**
 * Data checks beside the net: exclusive splits are total, expressions parse, and every variable
 * an expression reads is defined on every path before it — a forward "must be defined" data-flow
 * analysis (intersection at merges, union at parallel joins) solved with a worklist to its
 * fixpoint, so loops are handled (Kildall 1973), with a "may be defined" analysis beside it to
 * tell "never" from "not on every path". Variable sets are bit sets.
 */
import { analyseExpression, provablyTotal } from "../expressions";
import { finding, type Finding } from "../petri/findings";
import type { WorkflowEdge, WorkflowGraph, WorkflowNode } from "./schema";

type Use = { expression: string; where: string; nodeId: string; edgeId?: string; /** Names bound where the expression runs (a for-each's item). */ local?: string[] };

function nameOf(n: WorkflowNode): string {
  return n.label?.trim() || n.id;
}

/** Expressions of a node and its outgoing edges: conditions, for-each items, "=…" config values. */
function usesOf(n: WorkflowNode, outs: WorkflowEdge[]): Use[] {
  const uses: Use[] = [];
  for (const e of outs) if (e.condition !== undefined) uses.push({ expression: e.condition, where: `the condition of the branch "${e.label?.trim() || e.id}"`, nodeId: n.id, edgeId: e.id });
  if (n.kind === "for-each" && typeof n.config?.items === "string") uses.push({ expression: n.config.items, where: "the for-each list", nodeId: n.id });
  const walk = (value: unknown, path: string) => {
    if (typeof value === "string" && value.startsWith("=")) uses.push({ expression: value, where: `setting ${path}`, nodeId: n.id });
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
  };
  const before = uses.length;
  if (n.config) for (const [k, v] of Object.entries(n.config)) if (!(n.kind === "for-each" && k === "items")) walk(v, k);
  if (n.kind === "for-each") {
    // Inside the instances, the item and its index are bound.
    const local = [String(n.config?.itemVariable ?? "item"), "index"];
    for (let i = before; i < uses.length; i++) uses[i] = { ...uses[i]!, local };
  }
  return uses;
}

/** A fixed-size bit set over the workflow's variables. */
class Bits {
  constructor(readonly w: Uint32Array) {}
  static empty(n: number) {
    return new Bits(new Uint32Array((n + 31) >>> 5));
  }
  static full(n: number) {
    const b = Bits.empty(n);
    for (let i = 0; i < n; i++) b.set(i);
    return b;
  }
  set(i: number) {
    this.w[i >>> 5]! |= 1 << (i & 31);
  }
  has(i: number) {
    return (this.w[i >>> 5]! & (1 << (i & 31))) !== 0;
  }
  copy() {
    return new Bits(this.w.slice());
  }
  and(o: Bits) {
    for (let i = 0; i < this.w.length; i++) this.w[i]! &= o.w[i]!;
  }
  or(o: Bits) {
    for (let i = 0; i < this.w.length; i++) this.w[i]! |= o.w[i]!;
  }
  equals(o: Bits) {
    for (let i = 0; i < this.w.length; i++) if (this.w[i] !== o.w[i]) return false;
    return true;
  }
}

export function dataFindings(graph: WorkflowGraph): Finding[] {
  const out: Finding[] = [];
  const incoming = new Map<string, WorkflowEdge[]>(graph.nodes.map((n) => [n.id, []]));
  const outgoing = new Map<string, WorkflowEdge[]>(graph.nodes.map((n) => [n.id, []]));
  for (const e of graph.edges) {
    incoming.get(e.target)?.push(e);
    outgoing.get(e.source)?.push(e);
  }
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));

  // Totality of exclusive splits.
  for (const n of graph.nodes) {
    if (n.kind !== "exclusive-split") continue;
    const outs = outgoing.get(n.id)!.filter((e) => e.kind === "flow");
    if (outs.some((e) => e.isDefault)) continue;
    const missing = outs.filter((e) => e.condition === undefined || e.condition.trim() === "");
    if (missing.length) {
      out.push(finding("NOT_TOTAL", `"${nameOf(n)}" has a branch with no condition and no default branch: give it a condition or make it the default.`, [n.id], missing.map((e) => e.id)));
    } else if (!provablyTotal(outs.map((e) => e.condition!))) {
      out.push(finding("NOT_TOTAL", `The conditions of "${nameOf(n)}" may all be false and it has no default branch: add a default branch.`, [n.id], outs.map((e) => e.id)));
    }
  }

  // Collect uses first: with none, there is nothing to define.
  const uses: Array<Use & { vars: string[] }> = [];
  for (const n of graph.nodes) {
    for (const use of usesOf(n, outgoing.get(n.id)!)) {
      const a = analyseExpression(use.expression);
      if (!a.ok) {
        out.push(finding("EXPRESSION_SYNTAX", `In "${nameOf(n)}", ${use.where} does not parse: ${a.message}.`, [n.id], use.edgeId ? [use.edgeId] : []));
        continue;
      }
      if (a.variables.length) uses.push({ ...use, vars: a.variables });
    }
  }
  // Inputs are defined from the start on every path, and nothing undefines a variable: only the
  // other variables that expressions read need the data-flow analysis.
  const inputSet = new Set(Object.keys(graph.input ?? {}));
  for (const use of uses) use.vars = use.vars.filter((v) => !inputSet.has(v) && !use.local?.includes(v));
  if (!uses.some((u) => u.vars.length)) return out;

  // Variables, numbered.
  const index = new Map<string, number>();
  const num = (v: string) => {
    let i = index.get(v);
    if (i === undefined) index.set(v, (i = index.size));
    return i;
  };
  const inputs = Object.keys(graph.input ?? {});
  inputs.forEach(num);
  for (const n of graph.nodes) (n.outputs ?? []).forEach(num);
  const V = index.size;
  const gen = new Map<string, Bits>();
  for (const n of graph.nodes) {
    const b = Bits.empty(V);
    for (const v of n.outputs ?? []) b.set(index.get(v)!);
    if (n.kind === "start") for (const v of inputs) b.set(index.get(v)!);
    gen.set(n.id, b);
  }
  const start = graph.nodes.find((n) => n.kind === "start");
  const mustIn = new Map<string, Bits>();
  const mayIn = new Map<string, Bits>();
  for (const n of graph.nodes) {
    mustIn.set(n.id, n.id === start?.id ? Bits.empty(V) : Bits.full(V));
    mayIn.set(n.id, Bits.empty(V));
  }
  /** What an edge carries: the source's entry set, plus its outputs unless the edge is taken on failure. */
  const carried = (e: WorkflowEdge, sets: Map<string, Bits>) => {
    const b = sets.get(e.source)!.copy();
    if (e.kind !== "error") b.or(gen.get(e.source)!);
    return b;
  };
  // Worklist in FIFO order (a head index, not shift(): this runs on graphs of thousands of nodes).
  const insOf = new Map(graph.nodes.map((n) => [n.id, incoming.get(n.id)!.filter((e) => byId.has(e.source))]));
  const work: string[] = graph.nodes.map((n) => n.id);
  const queued = new Set(work);
  const enqueueSuccessors = (id: string) => {
    for (const e of outgoing.get(id)!) {
      if (!queued.has(e.target)) {
        work.push(e.target);
        queued.add(e.target);
      }
    }
  };
  for (let head = 0; head < work.length; head++) {
    const id = work[head]!;
    queued.delete(id);
    const n = byId.get(id)!;
    if (n.id === start?.id) {
      enqueueSuccessors(id);
      continue;
    }
    const ins = insOf.get(id)!;
    if (!ins.length) continue;
    const must = carried(ins[0]!, mustIn);
    const may = carried(ins[0]!, mayIn);
    for (let k = 1; k < ins.length; k++) {
      const e = ins[k]!;
      // All branches of a parallel join have run; elsewhere any one incoming edge may be the one taken.
      if (n.kind === "parallel-join") must.or(carried(e, mustIn));
      else must.and(carried(e, mustIn));
      may.or(carried(e, mayIn));
    }
    if (!must.equals(mustIn.get(id)!) || !may.equals(mayIn.get(id)!)) {
      mustIn.set(id, must);
      mayIn.set(id, may);
      enqueueSuccessors(id);
    }
  }

  for (const use of uses) {
    const n = byId.get(use.nodeId)!;
    const edgeIds = use.edgeId ? [use.edgeId] : [];
    // Conditions on edges leaving a node see what the node itself has set; the start sees the inputs.
    const must = mustIn.get(n.id)!.copy();
    const may = mayIn.get(n.id)!.copy();
    if (use.edgeId || n.kind === "start") {
      must.or(gen.get(n.id)!);
      may.or(gen.get(n.id)!);
    }
    for (const v of use.vars) {
      if (use.local?.includes(v)) continue;
      const i = index.get(v);
      if (i !== undefined && must.has(i)) continue;
      if (i !== undefined && may.has(i)) {
        out.push(finding("MAYBE_UNDEFINED_VARIABLE", `In "${nameOf(n)}", ${use.where} reads "${v}", which is not set on every path to it.`, [n.id], edgeIds));
      } else {
        out.push(finding("UNDEFINED_VARIABLE", `In "${nameOf(n)}", ${use.where} reads "${v}", which no input or earlier step defines.`, [n.id], edgeIds));
      }
    }
  }
  return out;
}
