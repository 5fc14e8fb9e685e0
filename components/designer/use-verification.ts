"use client";
/**
 * Verifies the graph in a Web Worker after every edit that can change the verdict (moves cannot).
 * At most one graph is with the worker at a time: an edit made meanwhile waits, and only the
 * newest waiting graph is sent when the worker answers — so a quick edit is checked at once and
 * fast typing never queues stale work. Answers to graphs that have since changed are dropped.
 */
import { useEffect, useRef } from "react";
import type { WorkflowGraph } from "../../lib/workflow/schema";
import { useDesignerStore } from "./store";
import { graphPatch, verdictMayChange, type VerifyRequest, type VerifyResponse } from "./verify-protocol";

export function useVerification(): void {
  const store = useDesignerStore();
  const worker = useRef<Worker | null>(null);
  const latest = useRef(0);
  const busy = useRef(false);
  const waiting = useRef<{ seq: number; graph: WorkflowGraph } | null>(null);
  /** The graph the worker has (patches are computed against it when a request is sent). */
  const sent = useRef<WorkflowGraph | null>(null);
  const lastChecked = useRef<WorkflowGraph | null>(null);
  const sentAt = useRef(0);
  const sendRef = useRef<((req: { seq: number; graph: WorkflowGraph }) => void) | null>(null);

  useEffect(() => {
    const w = new Worker(new URL("./verify.worker.ts", import.meta.url), { type: "module" });
    worker.current = w;
    const send = (req: { seq: number; graph: WorkflowGraph }) => {
      busy.current = true;
      sentAt.current = performance.now();
      const patch = sent.current ? graphPatch(sent.current, req.graph) : null;
      w.postMessage((patch ? { seq: req.seq, patch } : req) satisfies VerifyRequest);
      sent.current = req.graph;
    };
    w.onmessage = (event: MessageEvent<VerifyResponse>) => {
      busy.current = false;
      const r = event.data;
      if (r.seq === latest.current) {
        if (r.ok) store.getState().setVerify({ status: "done", result: r.result, ms: performance.now() - sentAt.current, checkedAt: Date.now() });
        else store.getState().setVerify({ status: "failed", message: r.message, result: null });
      }
      const next = waiting.current;
      waiting.current = null;
      if (next && next.seq === latest.current) send(next);
    };
    w.onerror = (e) => {
      busy.current = false;
      store.getState().setVerify({ status: "failed", message: `The verifier could not run: ${e.message}`, result: null });
    };
    sendRef.current = send;
    lastChecked.current = null;
    return () => {
      w.terminate();
      worker.current = null;
      sendRef.current = null;
      sent.current = null;
      busy.current = false;
      waiting.current = null;
    };
  }, [store]);

  // Straight from the store, not after React renders: the worker checks the edit while the page
  // is still drawing it.
  useEffect(() => {
    const check = (graph: WorkflowGraph) => {
      const changed = verdictMayChange(lastChecked.current, graph);
      lastChecked.current = graph;
      if (!changed) return;
      store.getState().setVerify({ status: "checking", result: store.getState().verify.result });
      const req = { seq: ++latest.current, graph };
      if (!sendRef.current) return;
      if (busy.current) waiting.current = req;
      else sendRef.current(req);
    };
    check(store.getState().history.present);
    return store.subscribe((state, prev) => {
      if (state.history.present !== prev.history.present) check(state.history.present);
    });
  }, [store]);
}
