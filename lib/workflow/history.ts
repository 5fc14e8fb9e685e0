/**
 * The designer's undo/redo stack: every edit is a pure graph operation (lib/workflow/edit.ts)
 * whose result is committed here with a label. Graphs are immutable, so an entry is the graph
 * before the edit — cheap, because unchanged nodes and edges are shared between states.
 * Consecutive edits with the same `coalesce` key (dragging one node, typing in one field) become
 * ONE undo step.
 *
 * @example
 * let h = createHistory(graph);
 * h = commit(h, moveNodes(h.present, { a: { x: 10, y: 0 } }), "Move", "move:a");
 * h = undo(h); // back to `graph`
 */
import type { WorkflowGraph } from "./schema";

export type HistoryEntry = { graph: WorkflowGraph; label: string; coalesce?: string };

export type History = {
  readonly past: readonly HistoryEntry[];
  readonly present: WorkflowGraph;
  /** Label and coalescing key of the edit that produced `present`. */
  readonly last?: { label: string; coalesce?: string };
  readonly future: readonly HistoryEntry[];
};

/** Undo steps kept at most. */
export const HISTORY_LIMIT = 500;

export function createHistory(graph: WorkflowGraph): History {
  return { past: [], present: graph, future: [] };
}

/** Records `next` as the result of an edit. No-op when the edit changed nothing. */
export function commit(h: History, next: WorkflowGraph, label: string, coalesce?: string): History {
  if (next === h.present) return h;
  if (coalesce !== undefined && h.last?.coalesce === coalesce && h.future.length === 0 && h.past.length > 0) {
    return { past: h.past, present: next, last: { label, coalesce }, future: [] };
  }
  const past = [...h.past, { graph: h.present, label, ...(coalesce !== undefined ? { coalesce } : {}) }];
  return { past: past.length > HISTORY_LIMIT ? past.slice(past.length - HISTORY_LIMIT) : past, present: next, last: { label, coalesce }, future: [] };
}

export function canUndo(h: History): boolean {
  return h.past.length > 0;
}

export function canRedo(h: History): boolean {
  return h.future.length > 0;
}

/** Steps back one edit; the undone state goes on the redo stack. */
export function undo(h: History): History {
  const prev = h.past[h.past.length - 1];
  if (!prev) return h;
  return { past: h.past.slice(0, -1), present: prev.graph, future: [{ graph: h.present, label: prev.label }, ...h.future] };
}

/** Re-applies the last undone edit. */
export function redo(h: History): History {
  const next = h.future[0];
  if (!next) return h;
  return { past: [...h.past, { graph: h.present, label: next.label }], present: next.graph, future: h.future.slice(1) };
}

/** Replaces the whole history (a reload, a restored version): nothing to undo. */
export function reset(graph: WorkflowGraph): History {
  return createHistory(graph);
}

/** The label of the edit Undo would revert, for the button's tooltip. */
export function undoLabel(h: History): string | undefined {
  return h.past[h.past.length - 1]?.label;
}

export function redoLabel(h: History): string | undefined {
  return h.future[0]?.label;
}
