"use client";
/**
 * Version history: the published versions, newest first. "Compare" draws the difference between a
 * version and the draft on the canvas (added green, changed amber, removed as red ghosts);
 * "Restore as draft" makes that version the draft again (a new revision, undoable here).
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { diffGraphs } from "../../lib/workflow/edit";
import { RelativeTime } from "../ui/relative-time";
import { useTRPC, useTRPCClient } from "../trpc/client";
import { selectDiff, selectGraph, selectMeta, useDesigner, useDesignerStore } from "./store";

export type VersionInfo = { version: number; createdAt: string; createdBy: string | null; sound: boolean; hash: string };

export function VersionsPanel({ versions }: { versions: VersionInfo[] }) {
  const store = useDesignerStore();
  const client = useTRPCClient();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const meta = useDesigner(selectMeta);
  const diff = useDesigner(selectDiff);
  const graph = useDesigner(selectGraph);
  const restore = useMutation(trpc.workflow.restore.mutationOptions());
  const [error, setError] = useState<string | null>(null);

  async function compare(version: number) {
    setError(null);
    try {
      const v = await queryClient.fetchQuery({ queryKey: ["version", meta.workflowId, version], queryFn: () => client.workflow.version.query({ workflowId: meta.workflowId, version }), staleTime: Infinity });
      const d = diffGraphs(v.graph, graph);
      store.getState().setDiff({ added: new Set([...d.nodes.added, ...d.edges.added]), changed: new Set([...d.nodes.changed, ...d.edges.changed]), removed: v.graph, version });
    } catch (e) {
      setError((e as Error).message);
    }
  }

  async function restoreVersion(version: number) {
    setError(null);
    try {
      const r = await restore.mutateAsync({ workflowId: meta.workflowId, version, revision: store.getState().meta.revision });
      store.getState().apply(`Restore version ${version}`, () => r.graph);
      store.getState().setRevision(r.revision);
      store.getState().setSave({ status: "saved", at: Date.now() });
    } catch (e) {
      setError((e as Error).message);
    }
  }

  const summary = diff ? diffGraphs(diff.removed ?? graph, graph) : null;
  return (
    <aside className="side-panel" aria-label="Version history" data-testid="versions">
      <h2>Version history</h2>
      {diff && summary ? (
        <div className="diff-legend" data-testid="diff-legend">
          <p>
            Draft compared with <strong>version {diff.version}</strong>:
          </p>
          <ul>
            <li className="legend-added">{summary.nodes.added.length} steps added</li>
            <li className="legend-changed">{summary.nodes.changed.length} changed</li>
            <li className="legend-removed">{summary.nodes.removed.length} removed</li>
          </ul>
          <button type="button" className="button small" onClick={() => store.getState().setDiff(null)}>
            Stop comparing
          </button>
        </div>
      ) : null}
      {versions.length === 0 ? <p className="muted">Nothing published yet. Publish to create version 1.</p> : null}
      <ol className="version-list">
        {versions.map((v) => (
          <li key={v.version} data-testid="version-row">
            <div>
              <strong>Version {v.version}</strong> {v.sound ? null : <span className="tag-warn" title="Published by an admin without a proof of soundness">not proved sound</span>}
              <div className="muted small">
                <RelativeTime iso={v.createdAt} />
                {v.createdBy ? ` · ${v.createdBy}` : ""}
              </div>
            </div>
            <div className="version-actions">
              <button type="button" className="button small" onClick={() => void compare(v.version)} data-testid="compare">
                Compare
              </button>
              {!meta.readOnly ? (
                <button type="button" className="button small" onClick={() => void restoreVersion(v.version)} disabled={restore.isPending} data-testid="restore">
                  Restore as draft
                </button>
              ) : null}
            </div>
          </li>
        ))}
      </ol>
      {error ? <p className="error-text">{error}</p> : null}
    </aside>
  );
}

export const SHORTCUTS: Array<[string, string]> = [
  ["Ctrl+Z", "Undo"],
  ["Ctrl+Shift+Z or Ctrl+Y", "Redo"],
  ["Ctrl+C / Ctrl+V", "Copy / paste the selected steps"],
  ["Ctrl+A", "Select everything"],
  ["Delete or Backspace", "Delete the selection"],
  ["Shift+drag", "Select with a box"],
  ["Shift+click", "Add to the selection"],
  ["Ctrl+G / Ctrl+Shift+G", "Group the selected steps (a sub-flow) / ungroup them"],
  ["Shift+L", "Auto-layout"],
  ["F", "Zoom to fit"],
  ["Ctrl+S", "Save now"],
  ["Escape", "Clear the selection, close panels"],
  ["?", "This help"],
];

export function HelpPanel({ onClose }: { onClose(): void }) {
  return (
    <div className="dialog-backdrop" role="presentation" onClick={onClose}>
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="help-title" onClick={(e) => e.stopPropagation()} data-testid="help">
        <h2 id="help-title">Keyboard shortcuts</h2>
        <table className="shortcuts">
          <tbody>
            {SHORTCUTS.map(([k, what]) => (
              <tr key={k}>
                <td>
                  <kbd>{k}</kbd>
                </td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose} autoFocus>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
