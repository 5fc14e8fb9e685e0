/** Messages between the designer and its verification worker. */
import type { VerificationResult } from "../../lib/petri/verify";
import type { WorkflowGraph } from "../../lib/workflow/schema";

export type VerifyRequest = { seq: number; graph: WorkflowGraph };
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
