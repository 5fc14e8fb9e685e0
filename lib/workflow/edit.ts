/**
 * Pure edits of a workflow graph: what the designer does, as functions from a graph to a new graph
 * (React Flow's `applyNodeChanges` is the model). The designer's store applies them and keeps the
 * results on its undo stack (lib/workflow/history.ts); nothing here mutates its argument.
 *
 * @example
 * let g = addNode(emptyGraph(), "start", { x: 0, y: 0 }).graph;
 * const check = canConnect(g, "start_1", "end_1"); // { ok: false, reason: "…" } when not allowed
 */
import { ACTIVITY_KINDS, FORMAT_VERSION, type NodeKind, type WorkflowEdge, type WorkflowGraph, type WorkflowGroup, type WorkflowNode } from "./schema";

/** A graph with nothing on it. */
export function emptyGraph(): WorkflowGraph {
  return { petrel: FORMAT_VERSION, nodes: [], edges: [] };
}

/** Labels a new node gets by kind (people rename them). */
export const KIND_TITLES: Record<NodeKind, string> = {
  start: "Start",
  end: "End",
  "terminate-end": "Terminate",
  task: "Task",
  "exclusive-split": "Exclusive split",
  "exclusive-merge": "Exclusive merge",
  "parallel-split": "Parallel split",
  "parallel-join": "Parallel join",
  "inclusive-split": "Inclusive split",
  "inclusive-join": "Inclusive join",
  "event-choice": "Event-based choice",
  timer: "Timer",
  signal: "Wait for signal",
  approval: "Approval",
  "sub-workflow": "Sub-workflow",
  "for-each": "For each",
};

/** A fresh id `prefix_N` not used by any node or edge of `g`. */
export function freshId(g: WorkflowGraph, prefix: string, taken: Set<string> = new Set()): string {
  const used = new Set([...g.nodes.map((n) => n.id), ...g.edges.map((e) => e.id), ...taken]);
  const base = prefix.replace(/[^A-Za-z0-9_.:-]/g, "_").slice(0, 50) || "n";
  for (let i = 1; ; i++) if (!used.has(`${base}_${i}`)) return `${base}_${i}`;
}

/** Configuration a node of `kind` starts with, so that it is valid at once. */
export function defaultConfig(kind: NodeKind, plugin?: string): Record<string, unknown> | undefined {
  switch (kind) {
    case "task":
      return { type: plugin ?? "noop" };
    case "timer":
      return { duration: "PT1M" };
    case "signal":
      return { name: "event" };
    case "sub-workflow":
      return { workflow: "" };
    case "for-each":
      return { items: "items", mode: "parallel", task: { type: "noop" } };
    default:
      return undefined;
  }
}

/** Adds a node of `kind` at `position`; tasks name their plugin. Returns the graph and the new id. */
export function addNode(g: WorkflowGraph, kind: NodeKind, position: { x: number; y: number }, plugin?: string): { graph: WorkflowGraph; id: string } {
  const id = freshId(g, plugin && kind === "task" ? plugin : kind.replace(/-/g, "_"));
  const config = defaultConfig(kind, plugin);
  const node: WorkflowNode = { id, kind, label: plugin && kind === "task" ? titleCase(plugin) : KIND_TITLES[kind], position: { x: Math.round(position.x), y: Math.round(position.y) }, ...(config ? { config } : {}) };
  return { graph: { ...g, nodes: [...g.nodes, node] }, id };
}

function titleCase(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1).replace(/[-_]/g, " ");
}

/** Whether an edge from `source` to `target` may be drawn, and if not, why (one sentence for a tooltip). */
export function canConnect(g: WorkflowGraph, source: string, target: string, kind: WorkflowEdge["kind"] = "flow"): { ok: true } | { ok: false; reason: string } {
  const s = g.nodes.find((n) => n.id === source);
  const t = g.nodes.find((n) => n.id === target);
  if (!s || !t) return { ok: false, reason: "Both ends must be steps on the canvas." };
  if (s.id === t.id) return { ok: false, reason: "A step cannot lead to itself; draw a loop through an exclusive split and merge." };
  if (s.kind === "end" || s.kind === "terminate-end") return { ok: false, reason: "Nothing comes after an end: it has no way out." };
  if (t.kind === "start") return { ok: false, reason: "Nothing leads into a start: it is where a run begins." };
  if (kind === "error" && !ACTIVITY_KINDS.has(s.kind)) return { ok: false, reason: `Only steps that can fail have an error path; ${KIND_TITLES[s.kind].toLowerCase()} cannot fail.` };
  if (g.edges.some((e) => e.source === source && e.target === target && e.kind === kind)) return { ok: false, reason: "These two steps are already connected." };
  if (s.kind === "event-choice" && t.kind !== "timer" && t.kind !== "signal") return { ok: false, reason: "An event-based choice leads only to timers and signal waits (the first event wins)." };
  if (g.edges.some((e) => e.target === target && g.nodes.find((n) => n.id === e.source)?.kind === "event-choice")) {
    return { ok: false, reason: "A wait after an event-based choice takes no other incoming path." };
  }
  if (s.kind === "event-choice" && g.edges.some((e) => e.target === target)) return { ok: false, reason: "A wait after an event-based choice takes no other incoming path." };
  return { ok: true };
}

/** Draws an edge; throws with the reason when {@link canConnect} refuses it. */
export function connect(g: WorkflowGraph, source: string, target: string, kind: WorkflowEdge["kind"] = "flow"): { graph: WorkflowGraph; id: string } {
  const check = canConnect(g, source, target, kind);
  if (!check.ok) throw new Error(check.reason);
  const id = freshId(g, kind === "error" ? `${source}_error` : `${source}_to_${target}`);
  const edge: WorkflowEdge = { id, source, target, kind };
  return { graph: { ...g, edges: [...g.edges, edge] }, id };
}

/** Moves an existing edge's ends; refused like {@link connect}. */
export function reconnect(g: WorkflowGraph, edgeId: string, source: string, target: string): WorkflowGraph {
  const edge = g.edges.find((e) => e.id === edgeId);
  if (!edge) throw new Error(`There is no edge ${edgeId}.`);
  const without = { ...g, edges: g.edges.filter((e) => e.id !== edgeId) };
  const check = canConnect(without, source, target, edge.kind);
  if (!check.ok) throw new Error(check.reason);
  return { ...g, edges: g.edges.map((e) => (e.id === edgeId ? { ...e, source, target } : e)) };
}

/** Removes nodes (with their edges) and edges; references to removed nodes (cancel regions, compensation) go too. */
export function removeElements(g: WorkflowGraph, nodeIds: Iterable<string>, edgeIds: Iterable<string> = []): WorkflowGraph {
  const nodes = new Set(nodeIds);
  const edges = new Set(edgeIds);
  if (!nodes.size && !edges.size) return g;
  const { groups, ...rest } = g;
  return {
    ...rest,
    nodes: g.nodes
      .filter((n) => !nodes.has(n.id))
      .map((n) => {
        const cancels = n.cancels?.filter((c) => !nodes.has(c));
        const dropCompensate = n.compensate !== undefined && nodes.has(n.compensate);
        if ((cancels?.length ?? 0) === (n.cancels?.length ?? 0) && !dropCompensate) return n;
        const { compensate, cancels: _c, ...rest } = n;
        return { ...rest, ...(cancels?.length ? { cancels } : {}), ...(dropCompensate ? {} : compensate ? { compensate } : {}) };
      }),
    edges: g.edges.filter((e) => !edges.has(e.id) && !nodes.has(e.source) && !nodes.has(e.target)),
    ...withGroups(groups?.map((gr) => ({ ...gr, nodes: gr.nodes.filter((n) => !nodes.has(n)) })).filter((gr) => gr.nodes.length)),
  };
}

function withGroups(groups: WorkflowGroup[] | undefined): { groups?: WorkflowGroup[] } {
  return groups?.length ? { groups } : {};
}

/** Puts nodes in a new group (taking them out of any other); returns the graph and the group's id. */
export function groupNodes(g: WorkflowGraph, nodeIds: Iterable<string>, label?: string): { graph: WorkflowGraph; id: string } {
  const members = [...new Set(nodeIds)].filter((id) => g.nodes.some((n) => n.id === id));
  if (!members.length) throw new Error("Select the steps to group first.");
  const taken = new Set(members);
  const existing = (g.groups ?? []).map((gr) => ({ ...gr, nodes: gr.nodes.filter((n) => !taken.has(n)) })).filter((gr) => gr.nodes.length);
  const used = new Set((g.groups ?? []).map((gr) => gr.id));
  let n = 1;
  while (used.has(`group_${n}`)) n++;
  const id = `group_${n}`;
  return { graph: { ...g, groups: [...existing, { id, label: label ?? `Group ${n}`, nodes: members }] }, id };
}

/** Removes a group (its nodes stay). */
export function ungroup(g: WorkflowGraph, groupId: string): WorkflowGraph {
  if (!g.groups?.some((gr) => gr.id === groupId)) throw new Error(`There is no group ${groupId}.`);
  const { groups, ...rest } = g;
  return { ...rest, ...withGroups(groups?.filter((gr) => gr.id !== groupId)) };
}

/** Renames a group. */
export function renameGroup(g: WorkflowGraph, groupId: string, label: string): WorkflowGraph {
  if (!g.groups?.some((gr) => gr.id === groupId)) throw new Error(`There is no group ${groupId}.`);
  return { ...g, groups: g.groups.map((gr) => (gr.id === groupId ? { ...gr, label } : gr)) };
}

/** Moves nodes to new positions (rounded to whole pixels). */
export function moveNodes(g: WorkflowGraph, positions: Record<string, { x: number; y: number }>): WorkflowGraph {
  let changed = false;
  const nodes = g.nodes.map((n) => {
    const p = positions[n.id];
    if (!p) return n;
    const x = Math.round(p.x);
    const y = Math.round(p.y);
    if (x === n.position.x && y === n.position.y) return n;
    changed = true;
    return { ...n, position: { x, y } };
  });
  return changed ? { ...g, nodes } : g;
}

/** Replaces fields of a node (undefined removes a field). Renaming the id is {@link renameNode}. */
export function updateNode(g: WorkflowGraph, id: string, patch: Partial<Omit<WorkflowNode, "id">>): WorkflowGraph {
  if (!g.nodes.some((n) => n.id === id)) throw new Error(`There is no step ${id}.`);
  return { ...g, nodes: g.nodes.map((n) => (n.id === id ? strip({ ...n, ...patch }) : n)) };
}

/** Replaces fields of an edge (undefined removes a field); a default branch clears its siblings' default flag. */
export function updateEdge(g: WorkflowGraph, id: string, patch: Partial<Omit<WorkflowEdge, "id" | "source" | "target">>): WorkflowGraph {
  const edge = g.edges.find((e) => e.id === id);
  if (!edge) throw new Error(`There is no edge ${id}.`);
  return {
    ...g,
    edges: g.edges.map((e) => {
      if (e.id === id) return strip({ ...e, ...patch });
      if (patch.isDefault && e.source === edge.source && e.isDefault) return strip({ ...e, isDefault: undefined });
      return e;
    }),
  };
}

/** Sets the workflow's declared inputs (and other top-level fields). */
export function updateWorkflow(g: WorkflowGraph, patch: Partial<Pick<WorkflowGraph, "input" | "runTimeoutMs">>): WorkflowGraph {
  return strip({ ...g, ...patch });
}

function strip<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** What copy puts on the clipboard: the selected nodes and the edges between them. */
export type Clipboard = { petrelClipboard: 1; nodes: WorkflowNode[]; edges: WorkflowEdge[] };

export function copy(g: WorkflowGraph, nodeIds: Iterable<string>): Clipboard {
  const ids = new Set(nodeIds);
  return { petrelClipboard: 1, nodes: g.nodes.filter((n) => ids.has(n.id)), edges: g.edges.filter((e) => ids.has(e.source) && ids.has(e.target)) };
}

/** Pastes a clipboard with fresh ids, shifted by `offset`. Returns the graph and the new node ids. */
export function paste(g: WorkflowGraph, clip: Clipboard, offset = { x: 40, y: 40 }): { graph: WorkflowGraph; nodeIds: string[] } {
  const taken = new Set<string>();
  const map = new Map<string, string>();
  for (const n of clip.nodes) {
    const id = freshId(g, n.id.replace(/_\d+$/, ""), taken);
    taken.add(id);
    map.set(n.id, id);
  }
  const nodes = clip.nodes.map((n) => {
    const cancels = n.cancels?.map((c) => map.get(c)).filter((c): c is string => !!c);
    const compensate = n.compensate && map.get(n.compensate);
    const { cancels: _c, compensate: _k, ...rest } = n;
    return { ...rest, id: map.get(n.id)!, position: { x: n.position.x + offset.x, y: n.position.y + offset.y }, ...(cancels?.length ? { cancels } : {}), ...(compensate ? { compensate } : {}) };
  });
  const edges = clip.edges.map((e) => {
    const id = freshId(g, e.id.replace(/_\d+$/, ""), taken);
    taken.add(id);
    return { ...e, id, source: map.get(e.source)!, target: map.get(e.target)! };
  });
  return { graph: { ...g, nodes: [...g.nodes, ...nodes], edges: [...g.edges, ...edges] }, nodeIds: nodes.map((n) => n.id) };
}

/** What changed between two graphs, by id (for the version diff on the canvas). */
export type GraphDiff = {
  nodes: { added: string[]; removed: string[]; changed: string[] };
  edges: { added: string[]; removed: string[]; changed: string[] };
};

/** Compares two graphs by node and edge id; a move alone does not count as a change. */
export function diffGraphs(before: WorkflowGraph, after: WorkflowGraph): GraphDiff {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const withoutPosition = ({ position: _p, ...rest }: WorkflowNode) => rest;
  const side = <T extends { id: string }>(a: T[], b: T[], key: (x: T) => unknown) => {
    const am = new Map(a.map((x) => [x.id, x]));
    const bm = new Map(b.map((x) => [x.id, x]));
    return {
      added: b.filter((x) => !am.has(x.id)).map((x) => x.id),
      removed: a.filter((x) => !bm.has(x.id)).map((x) => x.id),
      changed: b.filter((x) => am.has(x.id) && !same(key(am.get(x.id)!), key(x))).map((x) => x.id),
    };
  };
  return { nodes: side(before.nodes, after.nodes, withoutPosition), edges: side(before.edges, after.edges, (e) => e) };
}
