"use client";
/**
 * The designer's state: the graph and its undo stack, the selection, the verifier's latest
 * answer, the save state and the counterexample being replayed. One store per open workflow
 * (created by <DesignerProvider>); components read it through the selectors at the bottom, so a
 * component re-renders only when what it reads changes. Every graph edit is a pure function from
 * lib/workflow/edit.ts committed to the history (lib/workflow/history.ts).
 */
import { createContext, useContext } from "react";
import { createStore, useStore, type StoreApi } from "zustand";
import type { Finding } from "../../lib/petri/findings";
import type { VerificationResult } from "../../lib/petri/verify";
import { canRedo, canUndo, commit, createHistory, redo, undo, type History } from "../../lib/workflow/history";
import type { WorkflowGraph } from "../../lib/workflow/schema";

export type VerifyState =
  | { status: "checking"; result: VerificationResult | null }
  | { status: "done"; result: VerificationResult; ms: number; checkedAt: number }
  | { status: "failed"; message: string; result: null };

export type SaveState =
  | { status: "saved"; at: number }
  | { status: "dirty" }
  | { status: "saving" }
  | { status: "invalid"; message: string }
  | { status: "conflict"; message: string }
  | { status: "error"; message: string };

export type Replay = { finding: Finding; step: number; playing: boolean; speed: number };

export type Selection = { nodes: string[]; edges: string[] };

export type DesignerMeta = {
  workflowId: string;
  name: string;
  revision: number;
  readOnly: boolean;
  mayPublish: boolean;
  mayForce: boolean;
  /** May change visibility and grants (owner or admin). */
  mayShare?: boolean;
};

export type DesignerState = {
  meta: DesignerMeta;
  history: History;
  selection: Selection;
  verify: VerifyState;
  save: SaveState;
  replay: Replay | null;
  /** Nodes and edges highlighted by the version diff (by id), or null. */
  diff: { added: Set<string>; changed: Set<string>; removed: WorkflowGraph | null; version: number } | null;
  /** A message for the person (a refused connection, an import problem); cleared by the next edit. */
  notice: { text: string; tone: "info" | "error" } | null;
  /** Bumped to ask the canvas to centre on these nodes. */
  focus: { nodeIds: string[]; seq: number } | null;

  apply(label: string, edit: (g: WorkflowGraph) => WorkflowGraph, coalesce?: string): void;
  undo(): void;
  redo(): void;
  /** Replaces the graph (reload, restore, import) with a fresh history. */
  load(graph: WorkflowGraph, revision: number, replaceHistory?: boolean): void;
  select(selection: Selection): void;
  setVerify(v: VerifyState): void;
  setSave(s: SaveState): void;
  setRevision(revision: number): void;
  setName(name: string): void;
  setReplay(r: Replay | null): void;
  setDiff(d: DesignerState["diff"]): void;
  setNotice(n: DesignerState["notice"]): void;
  focusOn(nodeIds: string[]): void;
};

export function createDesignerStore(meta: DesignerMeta, graph: WorkflowGraph): StoreApi<DesignerState> {
  return createStore<DesignerState>()((set, get) => ({
    meta,
    history: createHistory(graph),
    selection: { nodes: [], edges: [] },
    verify: { status: "checking", result: null },
    save: { status: "saved", at: Date.now() },
    replay: null,
    diff: null,
    notice: null,
    focus: null,
    apply(label, edit, coalesce) {
      const { history, meta: m } = get();
      if (m.readOnly) return;
      let next: WorkflowGraph;
      try {
        next = edit(history.present);
      } catch (error) {
        set({ notice: { text: (error as Error).message, tone: "error" } });
        return;
      }
      if (next === history.present) return;
      set({ history: commit(history, next, label, coalesce), save: { status: "dirty" }, replay: null, notice: null });
    },
    undo() {
      const { history } = get();
      if (!canUndo(history) || get().meta.readOnly) return;
      set({ history: undo(history), save: { status: "dirty" }, replay: null });
    },
    redo() {
      const { history } = get();
      if (!canRedo(history) || get().meta.readOnly) return;
      set({ history: redo(history), save: { status: "dirty" }, replay: null });
    },
    load(g, revision, replaceHistory = true) {
      set((s) => ({
        history: replaceHistory ? createHistory(g) : commit(s.history, g, "Restore"),
        meta: { ...s.meta, revision },
        selection: { nodes: [], edges: [] },
        replay: null,
        diff: null,
        save: replaceHistory ? { status: "saved", at: Date.now() } : { status: "dirty" },
      }));
    },
    select(selection) {
      const cur = get().selection;
      if (same(cur.nodes, selection.nodes) && same(cur.edges, selection.edges)) return;
      set({ selection });
    },
    setVerify: (verify) => set({ verify }),
    setSave: (save) => set({ save }),
    setRevision: (revision) => set((s) => ({ meta: { ...s.meta, revision } })),
    setName: (name) => set((s) => ({ meta: { ...s.meta, name } })),
    setReplay: (replay) => set({ replay }),
    setDiff: (diff) => set({ diff }),
    setNotice: (notice) => set({ notice }),
    focusOn: (nodeIds) => set((s) => ({ focus: { nodeIds, seq: (s.focus?.seq ?? 0) + 1 } })),
  }));
}

function same(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export const DesignerContext = createContext<StoreApi<DesignerState> | null>(null);

/** Reads the designer store with a selector (re-renders only when the selected value changes). */
export function useDesigner<T>(selector: (s: DesignerState) => T): T {
  const store = useContext(DesignerContext);
  if (!store) throw new Error("useDesigner must be used inside <DesignerProvider>");
  return useStore(store, selector);
}

export function useDesignerStore(): StoreApi<DesignerState> {
  const store = useContext(DesignerContext);
  if (!store) throw new Error("useDesignerStore must be used inside <DesignerProvider>");
  return store;
}

// Selectors at module scope: stable identities.
export const selectGraph = (s: DesignerState) => s.history.present;
export const selectMeta = (s: DesignerState) => s.meta;
export const selectSelection = (s: DesignerState) => s.selection;
export const selectVerify = (s: DesignerState) => s.verify;
export const selectVerifyResult = (s: DesignerState) => s.verify.result;
export const selectSave = (s: DesignerState) => s.save;
export const selectReplay = (s: DesignerState) => s.replay;
export const selectDiff = (s: DesignerState) => s.diff;
export const selectNotice = (s: DesignerState) => s.notice;
export const selectFocus = (s: DesignerState) => s.focus;
export const selectCanUndo = (s: DesignerState) => canUndo(s.history) && !s.meta.readOnly;
export const selectCanRedo = (s: DesignerState) => canRedo(s.history) && !s.meta.readOnly;
export const selectUndoLabel = (s: DesignerState) => s.history.past[s.history.past.length - 1]?.label;
export const selectRedoLabel = (s: DesignerState) => s.history.future[0]?.label;
