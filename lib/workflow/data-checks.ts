/**
 * Data checks beside the net: exclusive splits are total, expressions parse, and every variable
 * an expression reads is defined on every path before it — a forward "must be defined" data-flow
 * analysis (intersection at merges, union at parallel joins, iterated to a fixpoint so loops are
 * handled; Kildall 1973), with a "may be defined" analysis beside it to tell "never" from
 * "not on every path".
 */
import { analyseExpression, provablyTotal } from "../expressions";
import { finding, type Finding } from "../petri/findings";
import type { WorkflowEdge, WorkflowGraph, WorkflowNode } from "./schema";

type Use = { expression: string; where: string; nodeId: string; edgeId?: string };

function nameOf(n: WorkflowNode): string {
  return n.label?.trim() || n.id;
}

/** Expressions of a node and its outgoing edges: conditions, for-each items, "=…" config values. */
function usesOf(n: WorkflowNode, outs: WorkflowEdge[]): Use[] {
  const uses: Use[] = [];
  for (const e of outs) if (e.condition !== undefined) uses.push({ expression: e.condition, where: `the condition of the branch "${e.label?.trim() || e.id}"`, nodeId: n.id, edgeId: e.id });
  const walk = (value: unknown, path: string) => {
    if (typeof value === "string" && value.startsWith("=")) uses.push({ expression: value, where: `${path}`, nodeId: n.id });
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
  };
  if (n.kind === "for-each" && typeof n.config?.items === "string") uses.push({ expression: n.config.items, where: "the for-each list", nodeId: n.id });
  walk(n.kind === "for-each" ? { ...n.config, items: undefined } : n.config, "");
  return uses.map((u) => (u.where === "" || u.where.startsWith("the ") ? u : { ...u, where: `setting ${u.where}` }));
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

  // Must/may-defined variables at each node's entry.
  const all = new Set<string>(Object.keys(graph.input ?? {}));
  for (const n of graph.nodes) for (const v of n.outputs ?? []) all.add(v);
  const start = graph.nodes.find((n) => n.kind === "start");
  const mustIn = new Map<string, Set<string>>();
  const mayIn = new Map<string, Set<string>>();
  const exit = (n: WorkflowNode, entry: Set<string>, e: WorkflowEdge) =>
    e.kind === "error" ? entry : new Set([...entry, ...(n.outputs ?? []), ...(n.kind === "start" ? Object.keys(graph.input ?? {}) : [])]);
  for (const n of graph.nodes) {
    mustIn.set(n.id, n.id === start?.id ? new Set() : new Set(all));
    mayIn.set(n.id, new Set());
  }
  const order = graph.nodes.map((n) => n.id);
  for (let changed = true, rounds = 0; changed && rounds < graph.nodes.length + 5; rounds++) {
    changed = false;
    for (const id of order) {
      const n = byId.get(id)!;
      if (n.id === start?.id) continue;
      const ins = incoming.get(id)!.filter((e) => byId.has(e.source));
      if (!ins.length) continue;
      const exits = ins.map((e) => exit(byId.get(e.source)!, mustIn.get(e.source)!, e));
      const mayExits = ins.map((e) => exit(byId.get(e.source)!, mayIn.get(e.source)!, e));
      const union = (sets: Set<string>[]) => new Set(sets.flatMap((s) => [...s]));
      const inter = (sets: Set<string>[]) => new Set([...sets[0]!].filter((v) => sets.every((s) => s.has(v))));
      // All branches of a parallel join have run; elsewhere any one incoming edge may be the one taken.
      const must = n.kind === "parallel-join" ? union(exits) : inter(exits);
      const may = union(mayExits);
      const oldMust = mustIn.get(id)!;
      const oldMay = mayIn.get(id)!;
      if (must.size !== oldMust.size || [...must].some((v) => !oldMust.has(v))) {
        mustIn.set(id, must);
        changed = true;
      }
      if (may.size !== oldMay.size) {
        mayIn.set(id, may);
        changed = true;
      }
    }
  }

  for (const n of graph.nodes) {
    for (const use of usesOf(n, outgoing.get(n.id)!)) {
      const a = analyseExpression(use.expression);
      const edgeIds = use.edgeId ? [use.edgeId] : [];
      if (!a.ok) {
        out.push(finding("EXPRESSION_SYNTAX", `In "${nameOf(n)}", ${use.where} does not parse: ${a.message}.`, [n.id], edgeIds));
        continue;
      }
      const must = n.kind === "start" ? new Set(Object.keys(graph.input ?? {})) : mustIn.get(n.id)!;
      const may = n.kind === "start" ? must : mayIn.get(n.id)!;
      for (const v of a.variables) {
        if (must.has(v)) continue;
        if (may.has(v)) {
          out.push(finding("MAYBE_UNDEFINED_VARIABLE", `In "${nameOf(n)}", ${use.where} reads "${v}", which is not set on every path to it.`, [n.id], edgeIds));
        } else {
          out.push(finding("UNDEFINED_VARIABLE", `In "${nameOf(n)}", ${use.where} reads "${v}", which no input or earlier step defines.`, [n.id], edgeIds));
        }
      }
    }
  }
  return out;
}
