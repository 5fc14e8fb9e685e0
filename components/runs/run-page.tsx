"use client";
/**
 * A run, live: the canvas with each node's state and the tokens, the timeline, the history, the
 * selected node's details, the variables, and the operator's actions. Events arrive through the
 * `run.watch` subscription — the history first, then each new event; after a dropped connection
 * the client resumes after the last sequence number it applied, so the list has no gap and no
 * duplicate.
 */
import { useMutation } from "@tanstack/react-query";
import "../designer/designer.css";
import "./runs.css";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { startTransition, useEffect, useMemo, useRef, useState } from "react";
import { compileWorkflow } from "../../lib/petri/compile";
import { applyRunEvent, applyRunning, emptyRunView, nodeStates, RUNNING, type RunEventRecord, type RunningAttempt, type RunView } from "../../lib/runs/run-view";
import type { WorkflowGraph } from "../../lib/workflow/schema";
import { useTRPC, useTRPCClient } from "../trpc/client";
import { RelativeTime } from "../ui/relative-time";
import { EventList } from "./event-list";
import { createRunLive, RunCanvas, RunLiveContext, STATE_ICON } from "./run-canvas";
import { Timeline } from "./timeline";

export type RunPageProps = { runId: string; workflowId: string; workflowName: string; version: number; graph: WorkflowGraph; createdAt: string; mayOperate: boolean };

export function RunPage(props: RunPageProps) {
  const client = useTRPCClient();
  const { graph } = props;
  const net = useMemo(() => compileWorkflow(graph).net, [graph]);
  const [events, setEvents] = useState<RunEventRecord[]>([]);
  const [view, setView] = useState<RunView>(emptyRunView);
  const [connected, setConnected] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  const state = useRef({ events: [] as RunEventRecord[], view: emptyRunView(), frame: 0 });
  const [live] = useState(createRunLive);

  useEffect(() => {
    const s = state.current;
    let marked = 0;
    let panelsTimer = 0;
    let panelsAt = -Infinity;
    // The page around the canvas (status, panels, history) is redrawn at most every PANELS_MS: when
    // events pour in, the frames go to the canvas, and the page's messages are not kept waiting.
    const panels = () => {
      panelsTimer = 0;
      panelsAt = performance.now();
      startTransition(() => {
        setEvents(s.events.slice());
        setView({ ...s.view, nodes: new Map(s.view.nodes), marking: s.view.marking.slice() });
      });
    };
    const flush = () => {
      s.frame = 0;
      // For measurements (npm run bench -- live): which events this frame draws, and when they were committed.
      const fresh = s.events.slice(marked);
      marked = s.events.length;
      if (fresh.length) performance.mark("petrel:run-events", { detail: fresh.map((e) => ({ seq: e.seq, at: new Date(e.at).getTime() })) });
      // The canvas now (only the nodes whose state changed redraw), the panels soon.
      live.setState({ states: nodeStates(graph, s.view), marking: s.view.marking.slice() });
      if (!panelsTimer) panelsTimer = window.setTimeout(panels, Math.max(0, panelsAt + PANELS_MS - performance.now()));
    };
    const sub = client.run.watch.subscribe(
      { runId: props.runId, afterSeq: 0 },
      {
        onStarted: () => setConnected(true),
        onConnectionStateChange: (c) => setConnected(c.state === "pending"),
        onData: (tracked) => {
          const e = tracked.data as RunEventRecord;
          if (e.type === RUNNING) {
            applyRunning(s.view, (e.payload as { tasks: RunningAttempt[] }).tasks);
            if (!s.frame) s.frame = requestAnimationFrame(flush);
            return;
          }
          const last = s.view.lastSeq;
          if (e.seq <= last) return; // never applied twice
          if (e.seq !== last + 1) console.warn(`run events jumped from ${last} to ${e.seq}`);
          s.events.push(e);
          applyRunEvent(s.view, e);
          if (!s.frame) s.frame = requestAnimationFrame(flush);
        },
        onError: () => setConnected(false),
      },
    );
    return () => {
      cancelAnimationFrame(s.frame);
      clearTimeout(panelsTimer);
      sub.unsubscribe();
    };
  }, [client, props.runId, graph, live]);

  useEffect(() => live.setState({ selected }), [live, selected]);

  // The steps' states at the panels' pace (the canvas reads them from the live store each frame):
  // for the failure banner and the selected step.
  const states = useMemo(() => nodeStates(graph, view), [graph, view]);
  const failedNode = view.status === "failed" ? graph.nodes.find((n) => states.get(n.id) === "failed") : undefined;
  const selectedNode = graph.nodes.find((n) => n.id === selected);

  return (
    <div className="run-page" data-testid="run-page" data-status={view.status} data-last-seq={view.lastSeq}>
      <header className="run-head">
        <div>
          <h1>
            <Link href={`/workflows/${props.workflowId}`}>{props.workflowName}</Link> <span className="muted">v{props.version}</span>
          </h1>
          <div className="muted small">
            Run <code>{props.runId}</code> · started <RelativeTime iso={props.createdAt} />
            {view.rerunOf ? (
              <>
                {" "}
                · re-run of <Link href={`/runs/${view.rerunOf.runId}`}>{view.rerunOf.runId.slice(0, 8)}</Link> from “{view.rerunOf.nodeId}”
              </>
            ) : null}
          </div>
        </div>
        <span className={`status run-${view.status}`} data-testid="run-status">
          {view.status}
        </span>
        <span className={`live ${connected ? "live-live" : "live-offline"}`} data-testid="run-live" title={connected ? "Events arrive as they happen" : "Reconnecting…"}>
          <span className="live-dot" /> {connected ? "Live" : "Reconnecting"}
        </span>
        <div className="bar-spacer" />
        {props.mayOperate ? <RunActions runId={props.runId} status={view.status} selected={selectedNode?.id ?? null} failedNode={failedNode?.id ?? null} /> : null}
      </header>
      {failedNode ? (
        <div className="failure-banner" role="alert" data-testid="failure">
          <strong>Failed at “{failedNode.label ?? failedNode.id}”</strong>
          {view.nodes.get(failedNode.id)?.error ? `: ${view.nodes.get(failedNode.id)!.error!.type} — ${view.nodes.get(failedNode.id)!.error!.message}` : view.failure ? `: ${view.failure.message}` : ""}
          <span className="muted"> after {view.nodes.get(failedNode.id)?.attempts.length ?? 0} attempt(s).</span>
          <button type="button" className="button small" onClick={() => setSelected(failedNode.id)}>
            Show the step
          </button>
        </div>
      ) : view.status === "failed" && view.failure ? (
        <div className="failure-banner" role="alert" data-testid="failure">
          <strong>Failed:</strong> {view.failure.message}
        </div>
      ) : null}
      <div className="run-body">
        <div className="run-main">
          <RunLiveContext.Provider value={live}>
            <RunCanvas graph={graph} net={net} onSelect={setSelected} />
          </RunLiveContext.Provider>
          <Timeline graph={graph} view={view} selected={selected} onSelect={setSelected} />
        </div>
        <aside className="run-side">
          {selectedNode ? <NodeDetails nodeId={selectedNode.id} label={selectedNode.label ?? selectedNode.id} view={view} state={states.get(selectedNode.id) ?? "pending"} /> : <p className="muted small">Select a step to see its attempts, output and error.</p>}
          <section>
            <h3>Variables</h3>
            <pre className="json" data-testid="variables">
              {JSON.stringify(view.variables, null, 2)}
            </pre>
          </section>
          <section>
            <h3>History ({events.length} events)</h3>
            <EventList events={events} />
          </section>
        </aside>
      </div>
    </div>
  );
}

/** How often the page around the canvas is redrawn at most while events arrive. */
const PANELS_MS = 250;

function NodeDetails({ nodeId, label, view, state }: { nodeId: string; label: string; view: RunView; state: string }) {
  const v = view.nodes.get(nodeId);
  return (
    <section className="node-details" data-testid="node-details">
      <h3>
        {label} <span className={`rs-chip rs-${state}`}>{STATE_ICON[state as keyof typeof STATE_ICON]} {state}</span>
      </h3>
      {v?.attempts.length ? (
        <table className="attempts">
          <thead>
            <tr>
              <th>#</th>
              <th>Outcome</th>
              <th>Took</th>
              <th>Error</th>
            </tr>
          </thead>
          <tbody>
            {v.attempts.map((a) => (
              <tr key={`${a.taskId}-${a.attempt}`}>
                <td>{a.attempt || "–"}</td>
                <td>{a.outcome}</td>
                <td>{a.end ? `${((a.end - a.start) / 1000).toFixed(2)} s` : "…"}</td>
                <td>{a.error ? `${a.error.type}: ${a.error.message}` : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted small">Not reached yet.</p>
      )}
      {v?.input !== undefined ? (
        <>
          <h4>Input (the variables when it was scheduled)</h4>
          <pre className="json" data-testid="node-input">
            {JSON.stringify(v.input, null, 2)}
          </pre>
        </>
      ) : null}
      {v?.output !== undefined ? (
        <>
          <h4>Output</h4>
          <pre className="json">{JSON.stringify(v.output, null, 2)}</pre>
        </>
      ) : null}
      {v?.error ? (
        <>
          <h4>Error</h4>
          <pre className="json error">{JSON.stringify(v.error, null, 2)}</pre>
        </>
      ) : null}
      {v?.heartbeat !== undefined ? (
        <>
          <h4>Last heartbeat</h4>
          <pre className="json">{JSON.stringify(v.heartbeat, null, 2)}</pre>
        </>
      ) : null}
    </section>
  );
}

function RunActions({ runId, status, selected, failedNode }: { runId: string; status: string; selected: string | null; failedNode: string | null }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [message, setMessage] = useState<{ text: string; tone: "ok" | "error" } | null>(null);
  const [panel, setPanel] = useState<"signal" | "rerun" | null>(null);
  const [signal, setSignal] = useState({ name: "", payload: "{}" });
  const [version, setVersion] = useState<"latest" | "same">("latest");
  const opts = { onError: (e: { message: string }) => setMessage({ text: e.message, tone: "error" }), onSuccess: () => setMessage(null) };
  const cancel = useMutation(trpc.run.cancel.mutationOptions(opts));
  const pause = useMutation(trpc.run.pause.mutationOptions(opts));
  const resume = useMutation(trpc.run.resume.mutationOptions(opts));
  const retry = useMutation(trpc.run.retry.mutationOptions(opts));
  const send = useMutation(trpc.run.signal.mutationOptions({ ...opts, onSuccess: (r) => setMessage({ text: r.delivered ? "Signal delivered." : "Signal kept in the inbox until a step waits for it.", tone: "ok" }) }));
  const rerun = useMutation(trpc.run.rerun.mutationOptions({ ...opts, onSuccess: (r) => router.push(`/runs/${r.runId}`) }));
  const from = selected ?? failedNode;
  const active = status === "running" || status === "paused";
  return (
    <div className="run-actions" role="group" aria-label="Run actions">
      {status === "running" ? (
        <button type="button" className="button small" onClick={() => pause.mutate({ runId })} data-testid="pause">
          Pause
        </button>
      ) : null}
      {status === "paused" ? (
        <button type="button" className="button small" onClick={() => resume.mutate({ runId })} data-testid="resume">
          Resume
        </button>
      ) : null}
      {active ? (
        <button type="button" className="button small" onClick={() => setPanel(panel === "signal" ? null : "signal")} data-testid="signal-open">
          Send signal
        </button>
      ) : null}
      {status === "failed" ? (
        <button type="button" className="button small primary" onClick={() => retry.mutate({ runId })} data-testid="retry" title="Go on from the failed step (the same run)">
          Retry
        </button>
      ) : null}
      {from ? (
        <button type="button" className="button small" onClick={() => setPanel(panel === "rerun" ? null : "rerun")} data-testid="rerun-open">
          Re-run from “{from}”…
        </button>
      ) : null}
      {active ? (
        <button type="button" className="button small danger" onClick={() => confirm("Cancel this run? Pending work is withdrawn.") && cancel.mutate({ runId })} data-testid="cancel">
          Cancel
        </button>
      ) : null}
      {panel === "signal" ? (
        <form
          className="popover"
          onSubmit={(e) => {
            e.preventDefault();
            let payload: Record<string, unknown>;
            try {
              payload = JSON.parse(signal.payload || "{}") as Record<string, unknown>;
            } catch (err) {
              setMessage({ text: `The payload is not JSON: ${(err as Error).message}`, tone: "error" });
              return;
            }
            send.mutate({ runId, name: signal.name, payload });
          }}
        >
          <label htmlFor="signal-name">Signal name</label>
          <input id="signal-name" value={signal.name} onChange={(e) => setSignal({ ...signal, name: e.target.value })} required />
          <label htmlFor="signal-payload">Payload (JSON)</label>
          <textarea id="signal-payload" className="code" rows={3} value={signal.payload} onChange={(e) => setSignal({ ...signal, payload: e.target.value })} />
          <button type="submit" className="button small primary">
            Send
          </button>
        </form>
      ) : null}
      {panel === "rerun" && from ? (
        <form
          className="popover"
          onSubmit={(e) => {
            e.preventDefault();
            rerun.mutate({ runId, nodeId: from, version });
          }}
        >
          <p className="small">A new run starts at “{from}” with the variables this run had there.</p>
          <label htmlFor="rerun-version">Version</label>
          <select id="rerun-version" value={version} onChange={(e) => setVersion(e.target.value as "latest" | "same")}>
            <option value="latest">The latest published version</option>
            <option value="same">This run&apos;s version</option>
          </select>
          <button type="submit" className="button small primary" data-testid="rerun">
            Re-run
          </button>
        </form>
      ) : null}
      {message ? (
        <div className={`toast toast-${message.tone}`} role={message.tone === "error" ? "alert" : "status"} data-testid="action-message">
          {message.text}
        </div>
      ) : null}
    </div>
  );
}
