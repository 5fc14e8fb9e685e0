/** Messages between the designer and its verification worker. */
import type { VerificationResult } from "../../lib/petri/verify";
import type { WorkflowEdge, WorkflowGraph, WorkflowNode } from "../../lib/workflow/schema";

/** What changed since the graph the worker already has: nodes by index, and the rest when it changed. */
export type GraphPatch = { nodes: Array<[number, WorkflowNode]>; edges?: WorkflowEdge[]; rest: Omit<WorkflowGraph, "nodes" | "edges"> };

/** A whole graph, or a patch on the one the worker verified last (cloning a large graph costs milliseconds). */
export type VerifyRequest = { seq: number; graph: WorkflowGraph } | { seq: number; patch: GraphPatch };

/** A patch from `prev` to `next` when the nodes kept their order (most edits); null when the whole graph should go. */
export function graphPatch(prev: WorkflowGraph, next: WorkflowGraph): GraphPatch | null {
  if (prev.nodes.length !== next.nodes.length) return null;
  const nodes: Array<[number, WorkflowNode]> = [];
  for (let i = 0; i < next.nodes.length; i++) {
    const a = prev.nodes[i]!;
    const b = next.nodes[i]!;
    if (a === b) continue;
    if (a.id !== b.id || nodes.length >= 64) return null;
    nodes.push([i, b]);
  }
  const { nodes: _n, edges: _e, ...rest } = next;
  return { nodes, ...(prev.edges !== next.edges ? { edges: next.edges } : {}), rest };
}

export function applyPatch(base: WorkflowGraph, patch: GraphPatch): WorkflowGraph {
  const nodes = base.nodes.slice();
  for (const [i, n] of patch.nodes) nodes[i] = n;
  return { ...patch.rest, nodes, edges: patch.edges ?? base.edges } as WorkflowGraph;
}
export type VerifyResponse = { seq: number; ok: true; result: VerificationResult; ms: number } | { seq: number; ok: false; message: string };

/**
 * Whether `next` can verify differently from `prev`: false when only positions changed (a drag,
 * auto-layout). Edits keep untouched nodes and edges as the same objects, so this compares
 * references and looks closer only at the nodes that changed — no serialising of the graph.
 */
export function verdictMayChange(prev: WorkflowGraph | null, next: WorkflowGraph): boolean {
  if (!prev) return true;
  if (prev.edges !== next.edges || prev.input !== next.input || prev.runTimeoutMs !== next.runTimeoutMs) {
    if (prev.edges.length !== next.edges.length || prev.edges.some((e, i) => e !== next.edges[i])) return true;
    if (JSON.stringify(prev.input ?? null) !== JSON.stringify(next.input ?? null) || prev.runTimeoutMs !== next.runTimeoutMs) return true;
  }
  if (prev.nodes === next.nodes) return false;
  if (prev.nodes.length !== next.nodes.length) return true;
  for (let i = 0; i < next.nodes.length; i++) {
    const a = prev.nodes[i]!;
    const b = next.nodes[i]!;
    if (a === b) continue;
    const { position: _pa, ...ra } = a;
    const { position: _pb, ...rb } = b;
    if (JSON.stringify(ra) !== JSON.stringify(rb)) return true;
  }
  return false;
}
