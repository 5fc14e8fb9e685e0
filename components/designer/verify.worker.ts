/// <reference lib="webworker" />
/**
 * The verifier in a Web Worker, so that proving a large workflow never blocks drawing. It
 * receives graphs (numbered), checks their format, verifies them, and answers with the result and
 * how long it took; the page ignores answers to graphs it has since replaced.
 */
import { verifyWorkflow } from "../../lib/petri/verify";
import { parseWorkflow } from "../../lib/workflow/schema";
import type { VerifyRequest, VerifyResponse } from "./verify-protocol";

declare const self: DedicatedWorkerGlobalScope;

self.onmessage = (event: MessageEvent<VerifyRequest>) => {
  const { seq, graph } = event.data;
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
