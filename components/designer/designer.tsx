"use client";
/**
 * The designer at /workflows/[id]: palette | canvas | inspector, findings below, the top bar above.
 * It owns the store for this workflow, verifies every edit in a Web Worker, autosaves the draft,
 * and handles the keyboard shortcuts (not while typing in a field).
 */
import { ReactFlowProvider, useReactFlow } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import "./designer.css";
import { useEffect, useState } from "react";
import { copy, groupNodes, moveNodes, paste, ungroup, type Clipboard } from "../../lib/workflow/edit";
import type { WorkflowGraph } from "../../lib/workflow/schema";
import { useTRPCClient } from "../trpc/client";
import { Canvas } from "./canvas";
import { FindingsPanel } from "./findings-panel";
import { Inspector } from "./inspector";
import { autoLayout } from "./layout";
import { Palette, type PluginInfo } from "./palette";
import { ReplayControls } from "./replay";
import { createDesignerStore, DesignerContext, selectNotice, useDesigner, useDesignerStore, type DesignerMeta } from "./store";
import { TopBar } from "./top-bar";
import { useAutosave } from "./use-autosave";
import { useVerification } from "./use-verification";
import { SharingPanel } from "./sharing-panel";
import { HelpPanel, VersionsPanel, type VersionInfo } from "./versions-panel";

export type DesignerProps = { meta: DesignerMeta; graph: WorkflowGraph; plugins: PluginInfo[]; versions: VersionInfo[] };

export function Designer(props: DesignerProps) {
  const [store] = useState(() => createDesignerStore(props.meta, props.graph));
  return (
    <DesignerContext.Provider value={store}>
      <ReactFlowProvider>
        <DesignerLayout {...props} />
      </ReactFlowProvider>
    </DesignerContext.Provider>
  );
}

let clipboard: Clipboard | null = null;

function typingIn(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
}

function DesignerLayout({ plugins, versions }: DesignerProps) {
  const store = useDesignerStore();
  const client = useTRPCClient();
  const rf = useReactFlow();
  const notice = useDesigner(selectNotice);
  const [panel, setPanel] = useState<string | null>(null);
  useVerification();
  const { saveNow } = useAutosave();

  async function reload() {
    const w = await client.workflow.get.query({ workflowId: store.getState().meta.workflowId });
    store.getState().load(w.graph, w.revision);
  }

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (typingIn(e.target)) return;
      const s = store.getState();
      const mod = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (mod && key === "z" && !e.shiftKey) {
        e.preventDefault();
        s.undo();
      } else if (mod && ((key === "z" && e.shiftKey) || key === "y")) {
        e.preventDefault();
        s.redo();
      } else if (mod && key === "s") {
        e.preventDefault();
        void saveNow();
      } else if (mod && key === "a") {
        e.preventDefault();
        const g = s.history.present;
        s.select({ nodes: g.nodes.map((n) => n.id), edges: g.edges.map((x) => x.id) });
      } else if (mod && key === "c") {
        if (!s.selection.nodes.length) return;
        clipboard = copy(s.history.present, s.selection.nodes);
        void navigator.clipboard?.writeText(JSON.stringify(clipboard)).catch(() => undefined);
      } else if (mod && key === "v") {
        if (!clipboard || s.meta.readOnly) return;
        e.preventDefault();
        let ids: string[] = [];
        const clip = clipboard;
        s.apply(`Paste ${clip.nodes.length} steps`, (g) => {
          const r = paste(g, clip);
          ids = r.nodeIds;
          return r.graph;
        });
        clipboard = { ...clip, nodes: clip.nodes.map((n) => ({ ...n, position: { x: n.position.x + 40, y: n.position.y + 40 } })) };
        s.select({ nodes: ids, edges: [] });
      } else if (mod && key === "g" && !s.meta.readOnly) {
        e.preventDefault();
        if (e.shiftKey) {
          const groups = (s.history.present.groups ?? []).filter((gr) => gr.nodes.some((n) => s.selection.nodes.includes(n)));
          s.apply("Ungroup", (g) => groups.reduce((acc, gr) => ungroup(acc, gr.id), g));
        } else if (s.selection.nodes.length) {
          s.apply("Group", (g) => groupNodes(g, s.selection.nodes).graph);
        }
      } else if (!mod && e.shiftKey && key === "l" && !s.meta.readOnly) {
        s.apply("Auto-layout", (g) => moveNodes(g, autoLayout(g)));
        void rf.fitView({ duration: 300, padding: 0.2 });
      } else if (!mod && !e.shiftKey && key === "f") {
        void rf.fitView({ duration: 300, padding: 0.2 });
      } else if (e.key === "?") {
        setPanel((p) => (p === "help" ? null : "help"));
      } else if (e.key === "Escape") {
        if (s.replay) s.setReplay(null);
        else if (panel) setPanel(null);
        else s.select({ nodes: [], edges: [] });
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [store, saveNow, rf, panel]);

  return (
    <div className="designer" data-testid="designer">
      <TopBar saveNow={saveNow} onReload={reload} panel={panel} setPanel={setPanel} />
      {notice ? (
        <div className={`notice notice-${notice.tone}`} role={notice.tone === "error" ? "alert" : "status"} data-testid="notice">
          {notice.text}
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => store.getState().setNotice(null)}>
            ✕
          </button>
        </div>
      ) : null}
      <div className={`designer-body${store.getState().meta.readOnly ? " no-palette" : ""}`}>
        {store.getState().meta.readOnly ? null : <Palette plugins={plugins} />}
        <div className="designer-centre">
          <Canvas />
          <ReplayControls />
          <FindingsPanel />
        </div>
        {panel === "versions" ? <VersionsPanel versions={versions} /> : panel === "sharing" ? <SharingPanel workflowId={store.getState().meta.workflowId} mayShare={store.getState().meta.mayShare ?? false} /> : <Inspector plugins={plugins} />}
      </div>
      {panel === "help" ? <HelpPanel onClose={() => setPanel(null)} /> : null}
    </div>
  );
}
