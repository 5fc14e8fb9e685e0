"use client";
/**
 * Verifies the graph in a Web Worker after every edit that can change the verdict (moves cannot),
 * debounced briefly so that typing does not queue stale work. Answers to graphs that have since
 * changed are dropped. The result lands in the store with how long it took.
 */
import { useEffect, useRef } from "react";
import { selectGraph, useDesigner, useDesignerStore } from "./store";
import { structureKey, type VerifyRequest, type VerifyResponse } from "./verify-protocol";

const DEBOUNCE_MS = 25;

export function useVerification(): void {
  const store = useDesignerStore();
  const graph = useDesigner(selectGraph);
  const worker = useRef<Worker | null>(null);
  const seq = useRef(0);
  const lastKey = useRef<string | null>(null);
  const sentAt = useRef(new Map<number, number>());

  useEffect(() => {
    const w = new Worker(new URL("./verify.worker.ts", import.meta.url), { type: "module" });
    worker.current = w;
    w.onmessage = (event: MessageEvent<VerifyResponse>) => {
      const r = event.data;
      if (r.seq !== seq.current) return; // a newer graph is on its way
      const started = sentAt.current.get(r.seq) ?? performance.now();
      sentAt.current.clear();
      if (r.ok) store.getState().setVerify({ status: "done", result: r.result, ms: performance.now() - started, checkedAt: Date.now() });
      else store.getState().setVerify({ status: "failed", message: r.message, result: null });
    };
    w.onerror = (e) => store.getState().setVerify({ status: "failed", message: `The verifier could not run: ${e.message}`, result: null });
    lastKey.current = null;
    return () => {
      w.terminate();
      worker.current = null;
    };
  }, [store]);

  useEffect(() => {
    const key = structureKey(graph);
    if (key === lastKey.current) return;
    lastKey.current = key;
    const prev = store.getState().verify;
    store.getState().setVerify({ status: "checking", result: prev.result });
    const timer = setTimeout(() => {
      const n = ++seq.current;
      sentAt.current.set(n, performance.now());
      worker.current?.postMessage({ seq: n, graph } satisfies VerifyRequest);
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [graph, store]);
}
