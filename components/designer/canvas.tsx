"use client";
/**
 * The canvas: React Flow over the store's graph. Node objects are reused when nothing about them
 * changed (so memoised nodes do not re-render), only visible elements are rendered, and a drag
 * moves nodes locally and commits ONE undoable edit when it ends.
 */
import {
  applyNodeChanges,
  Background,
  BackgroundVariant,
  ConnectionLineType,
  Controls,
  MarkerType,
  MiniMap,
  ReactFlow,
  useReactFlow,
  type Connection,
  type Edge,
  type EdgeChange,
  type FinalConnectionState,
  type IsValidConnection,
  type NodeChange,
  type OnDelete,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from "react";
import { addNode, canConnect, connect, moveNodes, reconnect, removeElements } from "../../lib/workflow/edit";
import type { NodeKind, WorkflowEdge, WorkflowGraph } from "../../lib/workflow/schema";
import { GroupFrames } from "./groups";
import { GRID } from "./node-look";
import { NODE_TYPES, type PetrelFlowNode } from "./petrel-node";
import { ReplayTokens } from "./replay";
import { selectDiff, selectFocus, selectGraph, selectMeta, selectReplay, selectSelection, selectVerifyResult, useDesigner, useDesignerStore } from "./store";

export const PALETTE_MIME = "application/x-petrel-node";
const EMPTY: string[] = [];

export function Canvas() {
  const store = useDesignerStore();
  const graph = useDesigner(selectGraph);
  const selection = useDesigner(selectSelection);
  const result = useDesigner(selectVerifyResult);
  const diff = useDesigner(selectDiff);
  const replay = useDesigner(selectReplay);
  const focus = useDesigner(selectFocus);
  const { readOnly } = useDesigner(selectMeta);
  const rf = useReactFlow();
  const [hint, setHint] = useState<string | null>(null);
  const hintRef = useRef<string | null>(null);

  const { problemsByNode, replayableNodes, problemEdges } = useMemo(() => {
    const byNode = new Map<string, string[]>();
    const replayable = new Set<string>();
    const edges = new Set<string>();
    for (const f of result?.issues ?? []) {
      for (const id of f.nodeIds) {
        byNode.set(id, [...(byNode.get(id) ?? []), f.message]);
        if (f.trace?.length) replayable.add(id);
      }
      for (const id of f.edgeIds) edges.add(id);
    }
    return { problemsByNode: byNode, replayableNodes: replayable, problemEdges: edges };
  }, [result]);

  const activeNode = replay ? replay.finding.trace?.[replay.step - 1]?.nodeId : undefined;
  const selectedNodes = useMemo(() => new Set(selection.nodes), [selection.nodes]);
  const selectedEdges = useMemo(() => new Set(selection.edges), [selection.edges]);

  // React Flow's nodes, kept locally (drags and measurements land here first) and rebuilt from
  // the store's graph, reusing every node object whose inputs did not change.
  const [nodes, setNodes] = useState<PetrelFlowNode[]>([]);
  const local = useRef(new Map<string, PetrelFlowNode>());
  useEffect(() => {
    const next: PetrelFlowNode[] = graph.nodes.map((n) => {
      const prev = local.current.get(n.id);
      const problems = problemsByNode.get(n.id) ?? EMPTY;
      const replayable = replayableNodes.has(n.id);
      const d = diff ? (diff.added.has(n.id) ? "added" : diff.changed.has(n.id) ? "changed" : undefined) : undefined;
      const active = activeNode === n.id;
      const selected = selectedNodes.has(n.id);
      if (prev && prev.data.node === n && prev.data.problems === problems && prev.data.replayable === replayable && prev.data.diff === d && prev.data.active === active && prev.data.readOnly === readOnly && !!prev.selected === selected) return prev;
      return {
        id: n.id,
        type: "petrel",
        position: prev?.dragging ? prev.position : n.position,
        data: { node: n, problems, replayable, diff: d, active, readOnly },
        selected,
        draggable: !readOnly,
        ...(prev?.measured ? { measured: prev.measured } : {}),
      };
    });
    if (diff?.removed) {
      const present = new Set(graph.nodes.map((n) => n.id));
      for (const n of diff.removed.nodes) {
        if (present.has(n.id)) continue;
        next.push({ id: n.id, type: "petrel", position: n.position, data: { node: n, problems: EMPTY, replayable: false, diff: "removed", readOnly: true }, draggable: false, selectable: false, connectable: false });
      }
    }
    // Nothing changed (a verdict that moved no badge): keep the array, so React Flow does no work.
    setNodes((prev) => (prev.length === next.length && prev.every((n, i) => n === next[i]) ? prev : ((local.current = new Map(next.map((n) => [n.id, n]))), next)));
  }, [graph, problemsByNode, replayableNodes, diff, activeNode, selectedNodes, readOnly]);

  // Edge objects are reused too when nothing about them changed: React Flow then skips them.
  const edgesRef = useRef<Edge[]>([]);
  const edgeCache = useRef(new Map<string, { source: WorkflowEdge; cls: string; selected: boolean; readOnly: boolean; edge: Edge }>());
  const edges = useMemo<Edge[]>(() => {
    const tokenEdges = new Set<string>();
    if (replay?.finding.trace) {
      const count = new Map<string, number>();
      for (const step of replay.finding.trace.slice(0, replay.step)) {
        for (const e of step.consumed) count.set(e, (count.get(e) ?? 0) - 1);
        for (const e of step.produced) count.set(e, (count.get(e) ?? 0) + 1);
      }
      for (const [e, c] of count) if (c > 0) tokenEdges.add(e);
    }
    const cache = new Map<string, { source: WorkflowEdge; cls: string; selected: boolean; readOnly: boolean; edge: Edge }>();
    const out: Edge[] = graph.edges.map((e) => {
      const classes = [e.kind === "error" ? "edge-error" : "", problemEdges.has(e.id) ? "edge-problem" : "", diff?.added.has(e.id) ? "diff-added" : diff?.changed.has(e.id) ? "diff-changed" : "", tokenEdges.has(e.id) ? "edge-token" : ""].filter(Boolean).join(" ");
      const selected = selectedEdges.has(e.id);
      const hit = edgeCache.current.get(e.id);
      if (hit && hit.source === e && hit.cls === classes && hit.selected === selected && hit.readOnly === readOnly) {
        cache.set(e.id, hit);
        return hit.edge;
      }
      const label = e.isDefault ? `default${e.label ? ` · ${e.label}` : ""}` : (e.condition ?? e.label);
      const edge: Edge = {
        id: e.id,
        source: e.source,
        target: e.target,
        ...(e.kind === "error" ? { sourceHandle: "error" } : {}),
        type: "smoothstep",
        className: classes,
        selected,
        markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
        ...(label ? { label, labelBgPadding: [4, 2] as [number, number], labelBgBorderRadius: 4 } : {}),
        data: { kind: e.kind },
        reconnectable: !readOnly,
        deletable: !readOnly,
      };
      cache.set(e.id, { source: e, cls: classes, selected, readOnly, edge });
      return edge;
    });
    edgeCache.current = cache;
    const before = edgesRef.current;
    if (before.length === out.length && before.every((e, i) => e === out[i])) return before;
    edgesRef.current = out;
    if (diff?.removed) {
      const present = new Set(graph.edges.map((e) => e.id));
      for (const e of diff.removed.edges) if (!present.has(e.id)) out.push({ id: `removed:${e.id}`, source: e.source, target: e.target, type: "smoothstep", className: "diff-removed", selectable: false, ...(e.kind === "error" ? { sourceHandle: "error" } : {}) });
    }
    return out;
  }, [graph, problemEdges, diff, replay, selectedEdges, readOnly]);

  const onNodesChange = useCallback(
    (changes: NodeChange<PetrelFlowNode>[]) => {
      setNodes((prev) => {
        const next = applyNodeChanges(changes, prev);
        local.current = new Map(next.map((n) => [n.id, n]));
        return next;
      });
      const selects = changes.filter((c) => c.type === "select");
      if (selects.length) {
        const s = store.getState().selection;
        const set = new Set(s.nodes);
        for (const c of selects) {
          if (c.type !== "select") continue;
          if (c.selected) set.add(c.id);
          else set.delete(c.id);
        }
        store.getState().select({ nodes: [...set], edges: s.edges });
      }
    },
    [store],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => {
      const selects = changes.filter((c) => c.type === "select");
      if (!selects.length) return;
      const s = store.getState().selection;
      const set = new Set(s.edges);
      for (const c of selects) {
          if (c.type !== "select") continue;
          if (c.selected) set.add(c.id);
          else set.delete(c.id);
        }
      store.getState().select({ nodes: s.nodes, edges: [...set] });
    },
    [store],
  );

  const onNodeDragStop = useCallback(
    (_e: unknown, _node: PetrelFlowNode, dragged: PetrelFlowNode[]) => {
      const positions = Object.fromEntries(dragged.map((n) => [n.id, n.position]));
      store.getState().apply(dragged.length > 1 ? `Move ${dragged.length} steps` : "Move", (g) => moveNodes(g, positions));
    },
    [store],
  );

  const onDelete: OnDelete<PetrelFlowNode, Edge> = useCallback(
    ({ nodes: ns, edges: es }) => {
      const n = ns.filter((x) => x.data.diff !== "removed").map((x) => x.id);
      const e = es.map((x) => x.id).filter((id) => !id.startsWith("removed:"));
      if (!n.length && !e.length) return;
      store.getState().apply(n.length + e.length > 1 ? `Delete ${n.length + e.length} elements` : "Delete", (g) => removeElements(g, n, e));
      store.getState().select({ nodes: [], edges: [] });
    },
    [store],
  );

  const isValidConnection: IsValidConnection = useCallback(
    (c) => {
      const g = store.getState().history.present;
      const r = canConnect(g, c.source, c.target, c.sourceHandle === "error" ? "error" : "flow");
      const text = r.ok ? null : r.reason;
      if (text !== hintRef.current) {
        hintRef.current = text;
        setHint(text);
      }
      return r.ok;
    },
    [store],
  );

  const onConnect = useCallback(
    (c: Connection) => {
      store.getState().apply(c.sourceHandle === "error" ? "Draw error path" : "Connect", (g) => connect(g, c.source, c.target, c.sourceHandle === "error" ? "error" : "flow").graph);
    },
    [store],
  );

  const onConnectEnd = useCallback(
    (_e: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (state.toNode && !state.isValid && hintRef.current) store.getState().setNotice({ text: `Not connected: ${hintRef.current}`, tone: "error" });
      hintRef.current = null;
      setHint(null);
    },
    [store],
  );

  const onReconnect = useCallback(
    (old: Edge, c: Connection) => {
      store.getState().apply("Reconnect", (g) => reconnect(g, old.id, c.source, c.target));
    },
    [store],
  );

  const onDragOver = useCallback((e: DragEvent) => {
    if (!e.dataTransfer.types.includes(PALETTE_MIME)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "copy";
  }, []);

  const onDrop = useCallback(
    (e: DragEvent) => {
      const raw = e.dataTransfer.getData(PALETTE_MIME);
      if (!raw) return;
      e.preventDefault();
      const { kind, plugin } = JSON.parse(raw) as { kind: NodeKind; plugin?: string };
      const p = rf.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      addAt(store, kind, plugin, { x: Math.round(p.x / GRID) * GRID - 20, y: Math.round(p.y / GRID) * GRID - 20 });
    },
    [rf, store],
  );

  useEffect(() => {
    if (!focus?.nodeIds.length) return;
    void rf.fitView({ nodes: focus.nodeIds.map((id) => ({ id })), duration: 300, maxZoom: 1.25, padding: 0.4 });
  }, [focus, rf]);

  return (
    <div className="canvas" data-testid="canvas" onDragOver={onDragOver} onDrop={onDrop}>
      <ReactFlow<PetrelFlowNode, Edge>
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onNodeDragStop={onNodeDragStop}
        onDelete={onDelete}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        onReconnect={onReconnect}
        isValidConnection={isValidConnection}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        edgesReconnectable={!readOnly}
        deleteKeyCode={readOnly ? null : ["Backspace", "Delete"]}
        multiSelectionKeyCode={["Shift", "Meta", "Control"]}
        selectionKeyCode="Shift"
        snapToGrid
        snapGrid={[GRID, GRID]}
        onlyRenderVisibleElements
        connectionLineType={ConnectionLineType.SmoothStep}
        fitView
        fitViewOptions={{ padding: 0.2, maxZoom: 1.2 }}
        minZoom={0.05}
        proOptions={{ hideAttribution: true }}
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1} />
        <MiniMap pannable zoomable ariaLabel="Overview of the whole workflow" nodeStrokeWidth={3} />
        <Controls showInteractive={false} />
        <GroupFrames />
        <ReplayTokens />
      </ReactFlow>
      {hint ? (
        <div className="connect-hint" role="status" data-testid="connect-hint">
          {hint}
        </div>
      ) : null}
    </div>
  );
}

/** Adds a node and selects it (the palette's click and drop both end here). */
export function addAt(store: ReturnType<typeof useDesignerStore>, kind: NodeKind, plugin: string | undefined, position: { x: number; y: number }): void {
  let id = "";
  store.getState().apply(`Add ${plugin ?? kind}`, (g: WorkflowGraph) => {
    const r = addNode(g, kind, position, plugin);
    id = r.id;
    return r.graph;
  });
  if (id) store.getState().select({ nodes: [id], edges: [] });
}
