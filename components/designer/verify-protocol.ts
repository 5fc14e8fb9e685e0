/** Messages between the designer and its verification worker. */
import type { VerificationResult } from "../../lib/petri/verify";
import type { WorkflowGraph } from "../../lib/workflow/schema";

export type VerifyRequest = { seq: number; graph: WorkflowGraph };
export type VerifyResponse = { seq: number; ok: true; result: VerificationResult; ms: number } | { seq: number; ok: false; message: string };

/** Everything but positions: what the verifier's answer (and its messages) depends on. */
export function structureKey(graph: WorkflowGraph): string {
  return JSON.stringify([
    graph.input ?? null,
    graph.nodes.map((n) => [n.id, n.kind, n.label ?? null, n.config ?? null, n.outputs ?? null, n.cancels ?? null, n.compensate ?? null, n.retry ?? null, n.timeouts ?? null]),
    graph.edges,
  ]);
}
