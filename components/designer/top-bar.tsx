"use client";
/**
 * The designer's top bar: name (rename in place), revision and save state, the verifier's chip,
 * undo/redo, auto-layout, import/export, version history and Publish (an admin may force an
 * unsound workflow through, giving a reason).
 */
import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { moveNodes } from "../../lib/workflow/edit";
import { RelativeTime } from "../ui/relative-time";
import { useTRPC } from "../trpc/client";
import { VerifyChip } from "./findings-panel";
import { exportJson, exportPnml, readImport } from "./import-export";
import { autoLayout } from "./layout";
import { selectCanRedo, selectCanUndo, selectMeta, selectRedoLabel, selectSave, selectUndoLabel, selectVerify, useDesigner, useDesignerStore } from "./store";

export function TopBar({ saveNow, onReload, panel, setPanel }: { saveNow(): Promise<boolean>; onReload(): Promise<void>; panel: string | null; setPanel(p: string | null): void }) {
  const store = useDesignerStore();
  const meta = useDesigner(selectMeta);
  const canUndo = useDesigner(selectCanUndo);
  const canRedo = useDesigner(selectCanRedo);
  const undoLabel = useDesigner(selectUndoLabel);
  const redoLabel = useDesigner(selectRedoLabel);
  const fileInput = useRef<HTMLInputElement>(null);
  return (
    <header className="designer-bar">
      <Link href="/workflows" className="back-link" aria-label="Back to workflows">
        ←
      </Link>
      <WorkflowName />
      <SaveStatus onReload={onReload} />
      <VerifyChip />
      {meta.readOnly ? (
        <span className="readonly-chip" data-testid="read-only">
          Read-only
        </span>
      ) : null}
      <div className="bar-spacer" />
      {!meta.readOnly ? (
        <div className="bar-group" role="group" aria-label="Edit">
          <button type="button" className="button small" onClick={() => store.getState().undo()} disabled={!canUndo} aria-label="Undo" title={`Undo${undoLabel ? ` ${undoLabel}` : ""} (Ctrl+Z)`} data-testid="undo">
            ↶
          </button>
          <button type="button" className="button small" onClick={() => store.getState().redo()} disabled={!canRedo} aria-label="Redo" title={`Redo${redoLabel ? ` ${redoLabel}` : ""} (Ctrl+Shift+Z)`} data-testid="redo">
            ↷
          </button>
          <button type="button" className="button small" onClick={() => store.getState().apply("Auto-layout", (g) => moveNodes(g, autoLayout(g)))} title="Lay the graph out left to right (Shift+L)" data-testid="auto-layout">
            Auto-layout
          </button>
        </div>
      ) : null}
      <div className="bar-group" role="group" aria-label="Files">
        {!meta.readOnly ? (
          <>
            <button type="button" className="button small" onClick={() => fileInput.current?.click()} title="Replace the draft with a Petrel JSON or BPMN 2.0 file (undoable)" data-testid="import">
              Import
            </button>
            <input
              ref={fileInput}
              type="file"
              accept=".json,.bpmn,.xml,application/json,text/xml"
              hidden
              data-testid="import-file"
              onChange={async (e) => {
                const file = e.target.files?.[0];
                e.target.value = "";
                if (!file) return;
                const r = await readImport(file);
                if (!r.ok) store.getState().setNotice({ text: r.message, tone: "error" });
                else {
                  store.getState().apply(`Import ${file.name}`, () => r.graph);
                  store.getState().setNotice({ text: `Imported ${file.name}${r.warnings.length ? ` (${r.warnings.join("; ")})` : ""}. Undo to go back.`, tone: "info" });
                }
              }}
            />
          </>
        ) : null}
        <ExportMenu />
        <button type="button" className={`button small${panel === "versions" ? " pressed" : ""}`} aria-pressed={panel === "versions"} onClick={() => setPanel(panel === "versions" ? null : "versions")} data-testid="history-toggle">
          History
        </button>
        <button type="button" className={`button small${panel === "sharing" ? " pressed" : ""}`} aria-pressed={panel === "sharing"} onClick={() => setPanel(panel === "sharing" ? null : "sharing")} data-testid="sharing-toggle">
          Sharing
        </button>
        <button type="button" className="button small" aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)" onClick={() => setPanel(panel === "help" ? null : "help")}>
          ?
        </button>
      </div>
      {meta.mayPublish && !meta.readOnly ? <PublishButton saveNow={saveNow} /> : null}
    </header>
  );
}

function WorkflowName() {
  const trpc = useTRPC();
  const store = useDesignerStore();
  const meta = useDesigner(selectMeta);
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(meta.name);
  const rename = useMutation(trpc.workflow.rename.mutationOptions());
  if (!editing || meta.readOnly) {
    return (
      <h1 className="designer-name">
        <button type="button" className="name-button" onClick={() => !meta.readOnly && (setName(meta.name), setEditing(true))} title={meta.readOnly ? undefined : "Rename"} disabled={meta.readOnly} data-testid="workflow-name">
          {meta.name}
        </button>
      </h1>
    );
  }
  return (
    <form
      className="inline-form"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          const r = await rename.mutateAsync({ workflowId: meta.workflowId, name });
          store.getState().setName(r.name);
          setEditing(false);
        } catch {
          // shown below
        }
      }}
    >
      <input aria-label="Workflow name" autoFocus value={name} maxLength={120} onChange={(e) => setName(e.target.value)} onKeyDown={(e) => e.key === "Escape" && setEditing(false)} />
      <button type="submit" className="button small primary" disabled={rename.isPending}>
        Rename
      </button>
      {rename.error ? <span className="field-error">{rename.error.message}</span> : null}
    </form>
  );
}

function SaveStatus({ onReload }: { onReload(): Promise<void> }) {
  const save = useDesigner(selectSave);
  const meta = useDesigner(selectMeta);
  let body: ReactNode;
  switch (save.status) {
    case "saved":
      body = (
        <>
          Saved <RelativeTime iso={new Date(save.at).toISOString()} />
        </>
      );
      break;
    case "dirty":
      body = "Unsaved changes";
      break;
    case "saving":
      body = "Saving…";
      break;
    case "invalid":
      body = <span className="save-problem" title={save.message}>Not saved: {save.message}</span>;
      break;
    case "error":
      body = <span className="save-problem" title={save.message}>Not saved: {save.message}</span>;
      break;
    case "conflict":
      body = null;
  }
  return (
    <>
      <span className="save-status" data-testid="save-status" data-status={save.status}>
        <span className="muted">Draft · revision {meta.revision}</span> {body}
      </span>
      {save.status === "conflict" ? (
        <div className="conflict-banner" role="alert" data-testid="conflict">
          <span>{save.message}</span>
          <button type="button" className="button small primary" onClick={() => void onReload()} data-testid="reload">
            Reload the latest
          </button>
        </div>
      ) : null}
    </>
  );
}

function ExportMenu() {
  const store = useDesignerStore();
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => !ref.current?.contains(e.target as Node) && setOpen(false);
    document.addEventListener("mousedown", close);
    return () => document.removeEventListener("mousedown", close);
  }, [open]);
  const { name } = store.getState().meta;
  return (
    <div className="menu" ref={ref}>
      <button type="button" className="button small" aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="export">
        Export ▾
      </button>
      {open ? (
        <div className="menu-list" role="menu">
          <button type="button" role="menuitem" data-testid="export-json" onClick={() => (exportJson(store.getState().history.present, name), setOpen(false))}>
            Petrel JSON
          </button>
          <button type="button" role="menuitem" data-testid="export-pnml" onClick={() => (exportPnml(store.getState().history.present, name), setOpen(false))}>
            PNML (Petri net)
          </button>
        </div>
      ) : null}
    </div>
  );
}

function PublishButton({ saveNow }: { saveNow(): Promise<boolean> }) {
  const trpc = useTRPC();
  const store = useDesignerStore();
  const meta = useDesigner(selectMeta);
  const verify = useDesigner(selectVerify);
  const publish = useMutation(trpc.workflow.publish.mutationOptions());
  const router = useRouter();
  const [forceOpen, setForceOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [message, setMessage] = useState<{ text: string; tone: "ok" | "error" } | null>(null);
  const unsound = verify.status === "done" && !verify.result.ok;

  async function run(force?: { reason: string }) {
    setMessage(null);
    if (!(await saveNow())) {
      setMessage({ text: "Save the draft first (see the save status).", tone: "error" });
      return;
    }
    try {
      const r = await publish.mutateAsync({ workflowId: meta.workflowId, revision: store.getState().meta.revision, ...(force ? { force } : {}) });
      store.getState().setRevision(r.revision);
      setForceOpen(false);
      setReason("");
      router.refresh(); // the version list
      setMessage({ text: r.created ? `Published version ${r.version}${r.sound ? "" : " (not proved sound)"}.` : `Version ${r.version} already has this graph.`, tone: "ok" });
    } catch (error) {
      setMessage({ text: (error as Error).message, tone: "error" });
    }
  }

  return (
    <div className="publish">
      {unsound && meta.mayForce ? (
        <button type="button" className="button small danger" onClick={() => setForceOpen(true)} data-testid="publish-force">
          Publish anyway…
        </button>
      ) : null}
      <button type="button" className="button primary" onClick={() => void run()} disabled={publish.isPending || unsound || verify.status === "checking"} title={unsound ? "Fix the problems first: an unsound workflow cannot be published" : "Verify on the server and publish an immutable version"} data-testid="publish">
        {publish.isPending ? "Publishing…" : "Publish"}
      </button>
      {message ? (
        <div className={`toast toast-${message.tone}`} role={message.tone === "error" ? "alert" : "status"} data-testid="publish-message">
          {message.text}
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => setMessage(null)}>
            ✕
          </button>
        </div>
      ) : null}
      {forceOpen ? (
        <div className="dialog-backdrop" role="presentation">
          <form
            className="dialog"
            role="dialog"
            aria-modal="true"
            aria-labelledby="force-title"
            onSubmit={(e) => {
              e.preventDefault();
              void run({ reason });
            }}
          >
            <h2 id="force-title">Publish a workflow that is not proved sound?</h2>
            <p className="muted">Runs of it may get stuck or leave work behind. Your reason is kept in the audit log.</p>
            <label htmlFor="force-reason">Reason</label>
            <textarea id="force-reason" rows={3} value={reason} onChange={(e) => setReason(e.target.value)} minLength={10} required autoFocus />
            <div className="dialog-actions">
              <button type="button" className="button" onClick={() => setForceOpen(false)}>
                Cancel
              </button>
              <button type="submit" className="button danger" disabled={reason.trim().length < 10 || publish.isPending}>
                Publish anyway
              </button>
            </div>
          </form>
        </div>
      ) : null}
    </div>
  );
}
