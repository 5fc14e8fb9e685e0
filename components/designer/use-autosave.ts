"use client";
/**
 * Saves the draft a moment after the last edit. Each save names the revision it started from; a
 * save refused because the draft moved on elsewhere puts the editor in the "conflict" state
 * (nothing is overwritten, and nothing more is sent until the person reloads). Leaving the page
 * with unsaved edits asks first.
 */
import { useMutation } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import type { WorkflowGraph } from "../../lib/workflow/schema";
import { useTRPC } from "../trpc/client";
import { useDesignerStore } from "./store";

const SAVE_AFTER_MS = 700;

export function useAutosave(): { saveNow(): Promise<boolean> } {
  const trpc = useTRPC();
  const store = useDesignerStore();
  const mutation = useMutation(trpc.workflow.saveDraft.mutationOptions());
  const inFlight = useRef<Promise<boolean> | null>(null);

  async function saveGraph(g: WorkflowGraph): Promise<boolean> {
    const { meta } = store.getState();
    if (meta.readOnly) return true;
    store.getState().setSave({ status: "saving" });
    try {
      const r = await mutation.mutateAsync({ workflowId: meta.workflowId, revision: meta.revision, graph: g });
      store.getState().setRevision(r.revision);
      // Edits made while this save was in flight still need saving.
      store.getState().setSave(store.getState().history.present === g ? { status: "saved", at: Date.now() } : { status: "dirty" });
      return true;
    } catch (error) {
      const e = error as { message: string; data?: { code?: string } };
      const code = e.data?.code;
      if (code === "CONFLICT") store.getState().setSave({ status: "conflict", message: e.message });
      else if (code === "BAD_REQUEST") store.getState().setSave({ status: "invalid", message: e.message });
      else store.getState().setSave({ status: "error", message: e.message || "The draft could not be saved." });
      return false;
    }
  }

  async function saveNow(): Promise<boolean> {
    if (inFlight.current) await inFlight.current;
    const s = store.getState().save.status;
    if (s === "saved") return true;
    if (s === "conflict") return false;
    const p = saveGraph(store.getState().history.present);
    inFlight.current = p;
    try {
      return await p;
    } finally {
      inFlight.current = null;
    }
  }

  // Straight from the store (not through React state), so an edit does not re-render the page
  // around the canvas: a save is due SAVE_AFTER_MS after the last edit.
  const saveNowRef = useRef(saveNow);
  saveNowRef.current = saveNow;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = store.subscribe((state, prev) => {
      if (state.history.present === prev.history.present && state.save === prev.save) return;
      clearTimeout(timer);
      if (state.save.status === "dirty") timer = setTimeout(() => void saveNowRef.current(), SAVE_AFTER_MS);
    });
    return () => {
      clearTimeout(timer);
      unsubscribe();
    };
  }, [store]);

  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      const s = store.getState().save.status;
      if (s !== "saved") e.preventDefault();
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [store]);

  return { saveNow };
}
