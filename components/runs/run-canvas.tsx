"use client";
/**
 * The workflow drawn read-only with the run on it: each node's state as colour and icon (also
 * readable without colour), tokens on the edges that hold them — a new token starts at the step
 * that produced it and glides onto its edge.
 */
import { Controls, Handle, MarkerType, MiniMap, Position, ReactFlow, ReactFlowProvider, SmoothStepEdge, useStore as useFlowStore, ViewportPortal, type Edge, type EdgeProps, type Node, type NodeProps } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { createContext, memo, useContext, useMemo, type CSSProperties } from "react";
import { createStore, useStore, type StoreApi } from "zustand";
import type { Net } from "../../lib/petri/net";
import type { NodeState } from "../../lib/runs/run-view";
import type { WorkflowGraph, WorkflowNode } from "../../lib/workflow/schema";
import { edgeMidpoint, NodeBody, nodeCentre, nodeSize, shapeOf } from "../designer/node-look";

type RunNodeData = { node: WorkflowNode };

/**
 * What changes while a run is watched — node states, the marking, the selection — lives in a small
 * store: each node reads its own state through a selector, so an event redraws the one or two
 * steps it touched, not the whole graph (React Flow's node list stays the same object).
 */
export type RunLive = { states: Map<string, NodeState>; marking: number[]; selected: string | null };
export const RunLiveContext = createContext<StoreApi<RunLive> | null>(null);
export const createRunLive = () => createStore<RunLive>()(() => ({ states: new Map(), marking: [], selected: null }));

function useRunLive<T>(selector: (s: RunLive) => T): T {
  const store = useContext(RunLiveContext);
  if (!store) throw new Error("useRunLive needs a RunLiveContext");
  return useStore(store, selector);
}

export const STATE_ICON: Record<NodeState, string> = { pending: "○", running: "⟳", retrying: "↻", waiting: "⏳", done: "✓", failed: "✕", cancelled: "⊘", skipped: "–", compensated: "↶" };

/**
 * Below this zoom a step's words are a few pixels tall: the canvas draws its shape, its state's
 * colour and badge only (the name is in the tooltip and the side panel). Drawing a large run
 * zoomed out then costs the browser a fraction of the full nodes' text, icons and shadows, which
 * it would redraw on every change of state.
 */
const FAR_ZOOM = 0.5;

/** A step seen from far: its shape in its state's colour. */
function FarBody({ shape }: { shape: ReturnType<typeof shapeOf> }) {
  if (shape === "activity") return <div className="pn-box" />;
  return <div className={shape === "gateway" ? "pn-diamond" : "pn-circle"} aria-hidden="true" />;
}

const RunNode = memo(function RunNode({ data }: NodeProps<Node<RunNodeData, "run">>) {
  const { node } = data;
  const state = useRunLive((s) => s.states.get(node.id) ?? "pending");
  const selected = useRunLive((s) => s.selected === node.id);
  const far = useFlowStore((s) => s.transform[2] < FAR_ZOOM);
  const shape = shapeOf(node.kind);
  const { width, height } = nodeSize(node.kind);
  const label = node.label ?? node.id;
  return (
    <div className={`pn pn-${shape} pn-${node.kind} rs rs-${state}${selected ? " is-selected" : ""}${far ? " rs-far" : ""}`} style={{ width, height }} data-testid="run-node" data-node-id={node.id} data-state={state} title={`${label}: ${state}`}>
      <Handle type="target" position={Position.Left} className="pn-handle" isConnectable={false} />
      {far ? <FarBody shape={shape} /> : <NodeBody node={node} />}
      <span className={`rs-badge rs-badge-${state}`} aria-label={state}>
        {STATE_ICON[state]}
      </span>
      <Handle type="source" position={Position.Right} className="pn-handle" isConnectable={false} />
      <Handle type="source" id="error" position={Position.Bottom} className="pn-handle" isConnectable={false} />
    </div>
  );
});

const NODE_TYPES = { run: RunNode };

const TAKEN: CSSProperties = { stroke: "#3f9a5d", strokeWidth: 2 };

/** An edge, green once the run has gone along it (its source done, its target reached): read per edge, like the steps. */
const RunEdge = memo(function RunEdge(props: EdgeProps) {
  const { source, target } = props;
  const taken = useRunLive((s) => s.states.get(source) === "done" && s.states.get(target) !== "pending" && s.states.get(target) !== "skipped");
  return <SmoothStepEdge {...props} style={taken ? TAKEN : props.style} />;
});

const EDGE_TYPES = { run: RunEdge };

/**
 * A token that appears at the step that produced it and glides onto its edge: a CSS animation from
 * where it came from (`--from`), so a new token costs one render and no script per frame.
 */
function Token({ x, y, fromX, fromY, count }: { x: number; y: number; fromX: number; fromY: number; count: number }) {
  const style = { transform: `translate(${x - 7}px, ${y - 7}px)`, "--from": `translate(${fromX - 7}px, ${fromY - 7}px)` } as CSSProperties;
  return (
    <div className={`token token-in${count > 1 ? " token-many" : ""}`} data-testid="token" style={style}>
      {count > 1 ? count : ""}
    </div>
  );
}

/**
 * The tokens: those of the marking, on their edges, and one on each step at work (running,
 * waiting, retrying) — a step takes its token when it is scheduled and gives it on when it ends.
 */
function Tokens({ graph, net }: { graph: WorkflowGraph; net: Net }) {
  const marking = useRunLive((s) => s.marking);
  const states = useRunLive((s) => s.states);
  const tokens = useMemo(() => {
    const out: Array<{ key: string; x: number; y: number; fromX: number; fromY: number; count: number }> = [];
    marking.forEach((count, i) => {
      if (count <= 0) return;
      const origin = net.places[i]?.origin;
      if (!origin) return;
      if (origin.edgeId) {
        const m = edgeMidpoint(graph, origin.edgeId);
        const c = m ? nodeCentre(graph, m.from) : null;
        if (m && c) out.push({ key: `${origin.edgeId}`, x: m.x, y: m.y, fromX: c.x, fromY: c.y, count });
      } else if (origin.nodeId) {
        const c = nodeCentre(graph, origin.nodeId);
        if (c) out.push({ key: `node:${origin.nodeId}:${i}`, x: c.x, y: c.y, fromX: c.x, fromY: c.y, count });
      }
    });
    for (const [nodeId, state] of states) {
      if (state !== "running" && state !== "waiting" && state !== "retrying") continue;
      const c = nodeCentre(graph, nodeId);
      if (c) out.push({ key: `at:${nodeId}`, x: c.x, y: c.y - 12, fromX: c.x - 40, fromY: c.y, count: 1 });
    }
    return out;
  }, [marking, states, net, graph]);
  return (
    <ViewportPortal>
      {tokens.map((t) => (
        <Token key={t.key} x={t.x} y={t.y} fromX={t.fromX} fromY={t.fromY} count={t.count} />
      ))}
    </ViewportPortal>
  );
}

/**
 * The canvas. It is drawn once per graph: node and edge states, tokens and the selection come from
 * the RunLive store, read by each node and edge.
 */
export const RunCanvas = memo(function RunCanvas({ graph, net, onSelect }: { graph: WorkflowGraph; net: Net; onSelect(nodeId: string | null): void }) {
  // Sizes are known per kind: giving them (as measured) spares React Flow re-measuring nodes.
  const nodes = useMemo<Node<RunNodeData, "run">[]>(
    () =>
      graph.nodes.map((n) => {
        const size = nodeSize(n.kind);
        return { id: n.id, type: "run" as const, position: n.position, data: { node: n }, draggable: false, connectable: false, width: size.width, height: size.height, measured: size };
      }),
    [graph],
  );
  const edges = useMemo<Edge[]>(
    () =>
      graph.edges.map((e) => ({
        id: e.id,
        source: e.source,
        target: e.target,
        ...(e.kind === "error" ? { sourceHandle: "error", className: "edge-error" } : {}),
        type: "run",
        markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
        ...(e.condition || e.isDefault ? { label: e.isDefault ? "default" : e.condition } : {}),
        selectable: false,
      })),
    [graph],
  );
  return (
    <div className="canvas run-canvas" data-testid="run-canvas">
      <ReactFlowProvider>
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodeTypes={NODE_TYPES}
          edgeTypes={EDGE_TYPES}
          nodesDraggable={false}
          nodesConnectable={false}
          elementsSelectable
          onNodeClick={(_, n) => onSelect(n.id)}
          onPaneClick={() => onSelect(null)}
          onlyRenderVisibleElements
          fitView
          fitViewOptions={{ padding: 0.2, maxZoom: 1.2 }}
          minZoom={0.05}
          proOptions={{ hideAttribution: true }}
        >
          {/* No dot grid here: React Flow's background re-lays itself out on every change inside the canvas,
              and the browser then redraws the whole canvas instead of the steps that changed. */}
          {/* The minimap redraws every node on each change: on large graphs it would cost every event a frame. */}
          {graph.nodes.length <= 150 ? <MiniMap pannable zoomable ariaLabel="Overview" /> : null}
          <Controls showInteractive={false} />
          <Tokens graph={graph} net={net} />
        </ReactFlow>
      </ReactFlowProvider>
    </div>
  );
});
