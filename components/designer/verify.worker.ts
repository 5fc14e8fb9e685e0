/// <reference lib="webworker" />
/**
 * The verifier in a Web Worker, so that proving a large workflow never blocks drawing. It
 * receives graphs (numbered) — whole, or as a patch on the last one — verifies them, and answers
 * with the result and how long it took; the page ignores answers to graphs it has since replaced.
 */
import { verifyWorkflow } from "../../lib/petri/verify";
import { parseWorkflow } from "../../lib/workflow/schema";
import type { WorkflowGraph } from "../../lib/workflow/schema";
import { applyPatch, type VerifyRequest, type VerifyResponse } from "./verify-protocol";

declare const self: DedicatedWorkerGlobalScope;

/** The graph verified last: patches apply to it. */
let current: WorkflowGraph | null = null;

self.onmessage = (event: MessageEvent<VerifyRequest>) => {
  const req = event.data;
  const seq = req.seq;
  if ("patch" in req && !current) {
    self.postMessage({ seq, ok: false, message: "The verifier lost the workflow; reload the page." } satisfies VerifyResponse);
    return;
  }
  const graph = "graph" in req ? req.graph : applyPatch(current!, req.patch);
  current = graph;
  const t0 = performance.now();
  // The designer's edits keep the graph well-formed, so the verifier runs at once; the format
  // check (the slower part for large graphs) runs only to explain a graph it cannot take.
  try {
    const result = verifyWorkflow(graph);
    self.postMessage({ seq, ok: true, result, ms: performance.now() - t0 } satisfies VerifyResponse);
  } catch (error) {
    const parsed = parseWorkflow(graph);
    const message = parsed.ok ? `The verifier failed: ${(error as Error).message}` : `The workflow is not valid: ${parsed.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`;
    self.postMessage({ seq, ok: false, message } satisfies VerifyResponse);
  }
};
