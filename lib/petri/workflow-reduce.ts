/**
 * Reduction of the workflow graph by single-entry single-exit (SESE) fragments, before any net
 * is built. A workflow graph is sound iff each of its SESE fragments is (Vanhatalo, Völzer and
 * Leymann 2007, "Faster and more focused control-flow analysis for business process models
 * through SESE decomposition"), and a sound fragment may be replaced by a single activity
 * without changing soundness (refinement: van der Aalst 2001). The rules collapse the fragments
 * whose soundness is evident from their shape:
 *   series   — an activity with one way in and one way out;
 *   block    — a split whose every branch leads straight to a join of the matching kind
 *              (parallel/parallel, exclusive/exclusive, inclusive/inclusive; an event-based
 *              choice whose waits all lead to one exclusive merge);
 *   loop     — an exclusive merge and exclusive split closing a cycle with one way in and out.
 * Mismatched blocks are left alone, so the defect stays in the graph for the state-space search.
 * Graphs with cancel regions or terminate ends are not reduced (their effects are not local).
 */
import { ACTIVITY_KINDS, type NodeKind, type WorkflowEdge, type WorkflowGraph, type WorkflowNode } from "../workflow/schema";

export type WorkflowReduction = { graph: WorkflowGraph; trivial: boolean; steps: number };

const MATCH: Partial<Record<NodeKind, NodeKind>> = {
  "parallel-split": "parallel-join",
  "exclusive-split": "exclusive-merge",
  "inclusive-split": "inclusive-join",
  "event-choice": "exclusive-merge",
};

export function reduceWorkflow(input: WorkflowGraph): WorkflowReduction {
  if (input.nodes.some((n) => n.kind === "terminate-end" || n.cancels?.length)) return { graph: input, trivial: false, steps: 0 };
  // Compensation handlers are not part of the flow.
  const handlers = new Set(input.nodes.flatMap((n) => (n.compensate ? [n.compensate] : [])));
  const nodes = new Map<string, WorkflowNode>(input.nodes.filter((n) => !handlers.has(n.id)).map((n) => [n.id, n]));
  const edges = new Map<string, WorkflowEdge>(input.edges.map((e) => [e.id, e]));
  const ins = new Map<string, Set<string>>();
  const outs = new Map<string, Set<string>>();
  for (const n of nodes.keys()) {
    ins.set(n, new Set());
    outs.set(n, new Set());
  }
  for (const e of edges.values()) {
    if (!nodes.has(e.source) || !nodes.has(e.target)) return { graph: input, trivial: false, steps: 0 };
    outs.get(e.source)!.add(e.id);
    ins.get(e.target)!.add(e.id);
  }
  const edgesOf = (set: Set<string>) => [...set].map((id) => edges.get(id)!);
  const plain = (n: WorkflowNode) =>
    ACTIVITY_KINDS.has(n.kind) && edgesOf(outs.get(n.id)!).every((e) => e.kind === "flow") && edgesOf(ins.get(n.id)!).every((e) => nodes.get(e.source)!.kind !== "event-choice");
  const removeEdge = (id: string) => {
    const e = edges.get(id)!;
    outs.get(e.source)!.delete(id);
    ins.get(e.target)!.delete(id);
    edges.delete(id);
  };
  const retarget = (id: string, target: string) => {
    const e = edges.get(id)!;
    ins.get(e.target)!.delete(id);
    edges.set(id, { ...e, target });
    ins.get(target)!.add(id);
  };
  const resource = (id: string, source: string) => {
    const e = edges.get(id)!;
    outs.get(e.source)!.delete(id);
    edges.set(id, { ...e, source });
    outs.get(source)!.add(id);
  };
  const removeNode = (id: string) => {
    nodes.delete(id);
    ins.delete(id);
    outs.delete(id);
  };
  /** Turns node `id` into a plain activity standing for a collapsed fragment. */
  const collapse = (id: string) => {
    const n = nodes.get(id)!;
    nodes.set(id, { id, kind: "task", position: n.position, label: n.label, config: { type: "fragment" } });
  };

  let steps = 0;
  for (let changed = true; changed; ) {
    changed = false;
    for (const n of [...nodes.values()]) {
      if (!nodes.has(n.id)) continue;
      const i = ins.get(n.id)!;
      const o = outs.get(n.id)!;
      // Series: an activity with one way in and one way out disappears.
      if (plain(n) && i.size === 1 && o.size === 1) {
        const inEdge = [...i][0]!;
        const outEdge = edges.get([...o][0]!)!;
        retarget(inEdge, outEdge.target);
        removeEdge(outEdge.id);
        removeNode(n.id);
        steps++;
        changed = true;
        continue;
      }
      const join = MATCH[n.kind];
      if (join && o.size >= 2 && i.size >= 1) {
        // Block: every branch goes straight to one join of the matching kind, which has no other input.
        const branchEdges = edgesOf(o);
        let targets = branchEdges.map((e) => e.target);
        let waits: string[] = [];
        if (n.kind === "event-choice") {
          // Event-based choice: each branch is a wait with one way in and one way out.
          waits = targets;
          const ws = waits.map((w) => nodes.get(w)!);
          if (ws.some((w) => (w.kind !== "timer" && w.kind !== "signal") || ins.get(w.id)!.size !== 1 || outs.get(w.id)!.size !== 1)) continue;
          targets = ws.map((w) => edges.get([...outs.get(w.id)!][0]!)!.target);
        }
        const j = targets[0]!;
        const jn = nodes.get(j)!;
        if (branchEdges.some((e) => e.kind !== "flow") || !targets.every((t) => t === j) || jn.kind !== join || ins.get(j)!.size !== branchEdges.length || outs.get(j)!.size < 1) continue;
        for (const w of waits) {
          for (const id of [...ins.get(w)!, ...outs.get(w)!]) removeEdge(id);
          removeNode(w);
        }
        for (const id of [...o]) if (edges.has(id)) removeEdge(id);
        for (const id of [...ins.get(j)!]) removeEdge(id);
        for (const id of [...outs.get(j)!]) resource(id, n.id);
        removeNode(j);
        collapse(n.id);
        steps++;
        changed = true;
        continue;
      }
      // Loop: exclusive merge m -> exclusive split x, x -> m back, one way into m and one out of x.
      if (n.kind === "exclusive-merge" && i.size === 2 && o.size === 1) {
        const toX = edges.get([...o][0]!)!;
        const x = nodes.get(toX.target)!;
        if (x.kind !== "exclusive-split" || ins.get(x.id)!.size !== 1) continue;
        const xOuts = edgesOf(outs.get(x.id)!);
        const back = xOuts.filter((e) => e.target === n.id);
        const exit = xOuts.filter((e) => e.target !== n.id);
        const entry = edgesOf(i).filter((e) => e.source !== x.id);
        if (back.length !== 1 || exit.length !== 1 || entry.length !== 1 || xOuts.some((e) => e.kind !== "flow")) continue;
        removeEdge(back[0]!.id);
        removeEdge(toX.id);
        resource(exit[0]!.id, n.id);
        removeNode(x.id);
        collapse(n.id);
        steps++;
        changed = true;
      }
    }
  }
  const graph: WorkflowGraph = { ...input, nodes: [...nodes.values()], edges: [...edges.values()] };
  const trivial = graph.nodes.length === 2 && graph.edges.length === 1 && graph.nodes.some((n) => n.kind === "start") && graph.nodes.some((n) => n.kind === "end");
  return { graph, trivial, steps };
}
