/**
 * Workflow -> Petri net, following the classic translation of workflow graphs into WF-nets
 * (van der Aalst 1997, "Verification of workflow nets"; for BPMN's elements Dijkman, Dumas and
 * Ouyang 2008, "Semantics and analysis of business process models in BPMN"):
 * every flow edge is a place; every node becomes the transitions that move tokens across it;
 * the start node's source place holds the initial token and each end node has its own sink place.
 *
 * - activity (task, approval, sub-workflow, for-each, timer, signal): one transition per incoming
 *   edge (several incoming edges merge like an exclusive merge, as in BPMN), producing on every
 *   outgoing flow edge; each error edge adds a transition that moves the token to that edge
 *   instead (the activity failed). A for-each runs its instances inside the activity, so for
 *   control flow it is one step; a sub-workflow likewise (soundness is compositional: van der
 *   Aalst 2001, refinement of a transition by a sound WF-net).
 * - exclusive split: one transition per outgoing edge (a conflict); exclusive merge: one per incoming.
 * - parallel split: one transition producing on all outgoing edges; parallel join: one consuming all.
 * - inclusive split: one transition per non-empty subset of outgoing edges; inclusive join: one per
 *   non-empty subset of incoming edges, with the non-local OR-join rule (see net.ts).
 * - event-based choice: its targets (timer and signal waits) consume directly from its input
 *   place, so whichever event happens first takes the token — a deferred choice.
 * - cancel region (`cancels`): the completing transition resets the input places of those nodes.
 * - terminate end: resets every place but the sinks.
 */
import type { WorkflowEdge, WorkflowGraph, WorkflowNode } from "../workflow/schema";
import { ACTIVITY_KINDS } from "../workflow/schema";
import { finding, type Finding } from "./findings";
import type { Arc, Net, Place, Transition } from "./net";

export const MAX_INCLUSIVE_BRANCHES = 8;

export type CompileResult = {
  net: Net;
  /** Structural findings; `ok` is false when any is an error. */
  findings: Finding[];
  ok: boolean;
};

const arc = (place: number): Arc => ({ place, weight: 1 });

/** Non-empty subsets of `items`, smallest first. */
function subsets<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let mask = 1; mask < 1 << items.length; mask++) out.push(items.filter((_, i) => mask & (1 << i)));
  return out.sort((a, b) => a.length - b.length);
}

/** Structural checks that need no net: start, ends, edge directions, reachability. */
/** Nodes named by some node's `compensate`: saga handlers, run only when a run is undone, never wired. */
export function compensationHandlers(graph: WorkflowGraph): Set<string> {
  return new Set(graph.nodes.flatMap((n) => (n.compensate ? [n.compensate] : [])));
}

export function structuralFindings(graph: WorkflowGraph): Finding[] {
  const out: Finding[] = [];
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const handlers = compensationHandlers(graph);
  for (const n of graph.nodes) {
    if (!n.compensate) continue;
    const h = byId.get(n.compensate);
    if (!h) out.push(finding("COMPENSATION_HANDLER", `"${name(n)}" names the compensating node "${n.compensate}", which does not exist.`, [n.id]));
    else if (h.kind !== "task") out.push(finding("COMPENSATION_HANDLER", `The compensating node "${name(h)}" of "${name(n)}" must be a task, not ${h.kind}.`, [n.id, h.id]));
    else if (graph.edges.some((e) => e.source === h.id || e.target === h.id)) out.push(finding("COMPENSATION_HANDLER", `The compensating node "${name(h)}" must not be connected: it runs only when the run is undone.`, [h.id]));
  }
  const starts = graph.nodes.filter((n) => n.kind === "start");
  const ends = graph.nodes.filter((n) => n.kind === "end" || n.kind === "terminate-end");
  if (starts.length === 0) out.push(finding("NO_START", "The workflow has no start node. Add one.", []));
  if (starts.length > 1) out.push(finding("MANY_STARTS", `The workflow has ${starts.length} start nodes; it needs exactly one.`, starts.map((n) => n.id)));
  if (ends.length === 0) out.push(finding("NO_END", "The workflow has no end node. Add one.", []));

  const incoming = new Map<string, WorkflowEdge[]>();
  const outgoing = new Map<string, WorkflowEdge[]>();
  for (const n of graph.nodes) {
    incoming.set(n.id, []);
    outgoing.set(n.id, []);
  }
  for (const e of graph.edges) {
    incoming.get(e.target)?.push(e);
    outgoing.get(e.source)?.push(e);
  }
  for (const e of graph.edges) {
    const s = byId.get(e.source);
    const t = byId.get(e.target);
    if (!s || !t) continue;
    if (t.kind === "start") out.push(finding("EDGE_INTO_START", `Edge into the start node "${name(t)}": nothing may lead back to the start.`, [t.id], [e.id]));
    if (s.kind === "end" || s.kind === "terminate-end") out.push(finding("EDGE_OUT_OF_END", `Edge out of the end node "${name(s)}": an end has no successor.`, [s.id], [e.id]));
    if (e.kind === "error" && !ACTIVITY_KINDS.has(s.kind)) {
      out.push(finding("ERROR_EDGE_FROM_NON_ACTIVITY", `Error edge from ${s.kind} "${name(s)}": only tasks, approvals, waits, sub-workflows and for-each can fail.`, [s.id], [e.id]));
    }
    if (e.condition !== undefined && s.kind !== "exclusive-split" && s.kind !== "inclusive-split") {
      out.push(finding("CONDITION_IGNORED", `The condition on the edge from "${name(s)}" is ignored: only edges leaving an exclusive or inclusive split have conditions.`, [s.id], [e.id], "warning"));
    }
    if (s.kind === "event-choice" && t.kind !== "timer" && t.kind !== "signal") {
      out.push(finding("EVENT_CHOICE_TARGET", `The event-based choice "${name(s)}" leads to ${t.kind} "${name(t)}"; it may lead only to timer and signal waits.`, [s.id, t.id], [e.id]));
    }
    if (s.kind === "event-choice" && (incoming.get(t.id)?.length ?? 0) > 1) {
      out.push(finding("EVENT_CHOICE_TARGET", `The wait "${name(t)}" after the event-based choice "${name(s)}" must have no other incoming edge.`, [s.id, t.id], [e.id]));
    }
  }
  for (const n of graph.nodes) {
    if (handlers.has(n.id)) continue;
    const ins = incoming.get(n.id)!;
    const outs = outgoing.get(n.id)!.filter((e) => e.kind === "flow");
    if (n.kind !== "start" && ins.length === 0) out.push(finding("NO_INCOMING", `"${name(n)}" has no incoming edge, so it can never run.`, [n.id]));
    if (n.kind !== "end" && n.kind !== "terminate-end" && outs.length === 0) out.push(finding("NO_OUTGOING", `"${name(n)}" has no outgoing edge: connect it to what comes next.`, [n.id]));
    if ((n.kind === "exclusive-split" || n.kind === "inclusive-split") && outs.filter((e) => e.isDefault).length > 1) {
      out.push(finding("MANY_DEFAULTS", `"${name(n)}" has ${outs.filter((e) => e.isDefault).length} default branches; it may have one.`, [n.id], outs.filter((e) => e.isDefault).map((e) => e.id)));
    }
    if (n.kind === "inclusive-split" && outs.length > MAX_INCLUSIVE_BRANCHES) {
      out.push(finding("GATEWAY_TOO_WIDE", `"${name(n)}" has ${outs.length} branches; an inclusive split may have at most ${MAX_INCLUSIVE_BRANCHES}.`, [n.id]));
    }
    if (n.kind === "inclusive-join" && ins.length > MAX_INCLUSIVE_BRANCHES) {
      out.push(finding("GATEWAY_TOO_WIDE", `"${name(n)}" has ${ins.length} incoming branches; an inclusive join may have at most ${MAX_INCLUSIVE_BRANCHES}.`, [n.id]));
    }
  }
  // Every node on a path from the start to an end.
  if (starts.length === 1 && ends.length > 0) {
    const fwd = reach([starts[0]!.id], outgoing, (e) => e.target);
    const bwd = reach(ends.map((n) => n.id), incoming, (e) => e.source);
    const off = graph.nodes.filter((n) => !handlers.has(n.id) && (!fwd.has(n.id) || !bwd.has(n.id)));
    for (const n of off) {
      const why = !fwd.has(n.id) ? "cannot be reached from the start" : "cannot reach an end";
      out.push(finding("NOT_ON_PATH", `"${name(n)}" ${why}.`, [n.id]));
    }
  }
  return out;
}

function reach(from: string[], adj: Map<string, WorkflowEdge[]>, next: (e: WorkflowEdge) => string): Set<string> {
  const seen = new Set(from);
  const stack = [...from];
  while (stack.length) {
    const id = stack.pop()!;
    for (const e of adj.get(id) ?? []) {
      const n = next(e);
      if (!seen.has(n)) {
        seen.add(n);
        stack.push(n);
      }
    }
  }
  return seen;
}

export function name(n: WorkflowNode): string {
  return n.label?.trim() || n.id;
}

/**
 * The size of the net {@link compileWorkflow} would build, and whether it would be free-choice
 * (only OR-joins break it), without building it.
 */
export function netShape(graph: WorkflowGraph): { places: number; transitions: number; freeChoice: boolean } {
  const kind = new Map(graph.nodes.map((n) => [n.id, n.kind]));
  const ins = new Map<string, number>(graph.nodes.map((n) => [n.id, 0]));
  const flowOuts = new Map<string, number>(graph.nodes.map((n) => [n.id, 0]));
  const errorOuts = new Map<string, number>(graph.nodes.map((n) => [n.id, 0]));
  let places = 0;
  for (const e of graph.edges) {
    if (kind.get(e.source) !== "event-choice") places++;
    ins.set(e.target, (ins.get(e.target) ?? 0) + 1);
    if (e.kind === "error") errorOuts.set(e.source, (errorOuts.get(e.source) ?? 0) + 1);
    else flowOuts.set(e.source, (flowOuts.get(e.source) ?? 0) + 1);
  }
  // A wait after an event-based choice reads the choice's inputs.
  for (const e of graph.edges) if (kind.get(e.source) === "event-choice") ins.set(e.target, (ins.get(e.target) ?? 1) - 1 + (ins.get(e.source) ?? 0));
  let transitions = 0;
  let freeChoice = true;
  for (const n of graph.nodes) {
    const i = ins.get(n.id)!;
    const o = flowOuts.get(n.id)!;
    switch (n.kind) {
      case "start":
        places++;
        transitions++;
        break;
      case "end":
      case "terminate-end":
        places++;
        transitions += i;
        break;
      case "exclusive-split":
        transitions += i * o;
        break;
      case "inclusive-split":
        if (o <= MAX_INCLUSIVE_BRANCHES) transitions += i * ((1 << o) - 1);
        break;
      case "parallel-join":
        transitions++;
        break;
      case "inclusive-join":
        if (i <= MAX_INCLUSIVE_BRANCHES) transitions += (1 << i) - 1;
        if (i > 1) freeChoice = false;
        break;
      case "event-choice":
        break;
      default:
        transitions += i * (1 + (ACTIVITY_KINDS.has(n.kind) ? errorOuts.get(n.id)! : 0));
    }
  }
  return { places, transitions, freeChoice };
}

/** Compiles a (schema-valid) workflow graph to a net, with the structural findings. */
export function compileWorkflow(graph: WorkflowGraph): CompileResult {
  const findings = structuralFindings(graph);
  const places: Place[] = [];
  const transitions: Transition[] = [];
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const addPlace = (p: Place) => places.push(p) - 1;

  // A place per edge, except edges leaving an event-based choice (their targets read its input).
  const edgePlace = new Map<string, number>();
  for (const e of graph.edges) {
    const s = byId.get(e.source);
    if (!s || s.kind === "event-choice") continue;
    const t = byId.get(e.target);
    edgePlace.set(e.id, addPlace({ id: `p:${e.id}`, label: e.label?.trim() || `${s ? name(s) : e.source} → ${t ? name(t) : e.target}`, origin: { edgeId: e.id } }));
  }
  const incoming = new Map<string, WorkflowEdge[]>(graph.nodes.map((n) => [n.id, []]));
  const outgoing = new Map<string, WorkflowEdge[]>(graph.nodes.map((n) => [n.id, []]));
  for (const e of graph.edges) {
    incoming.get(e.target)?.push(e);
    outgoing.get(e.source)?.push(e);
  }

  const initial: number[] = [];
  const sinks: number[] = [];
  const startPlace = new Map<string, number>();
  for (const n of graph.nodes) {
    if (n.kind === "start") startPlace.set(n.id, addPlace({ id: `p:start:${n.id}`, label: `start ${name(n)}`, origin: { nodeId: n.id } }));
    if (n.kind === "end" || n.kind === "terminate-end") sinks.push(addPlace({ id: `p:end:${n.id}`, label: `end ${name(n)}`, origin: { nodeId: n.id } }));
  }
  const sinkOf = new Map<string, number>();
  for (const p of sinks) sinkOf.set(places[p]!.origin.nodeId!, p);

  /** Input places of a node: its incoming edge places; a wait after an event choice reads the choice's inputs. */
  const inputsOf = (n: WorkflowNode): Array<{ place: number; edgeIds: string[] }> => {
    const result: Array<{ place: number; edgeIds: string[] }> = [];
    for (const e of incoming.get(n.id)!) {
      const s = byId.get(e.source)!;
      if (s.kind === "event-choice") {
        for (const ce of incoming.get(s.id)!) {
          const p = edgePlace.get(ce.id);
          if (p !== undefined) result.push({ place: p, edgeIds: [e.id] });
        }
      } else {
        const p = edgePlace.get(e.id);
        if (p !== undefined) result.push({ place: p, edgeIds: [] });
      }
    }
    return result;
  };
  const flowOuts = (n: WorkflowNode) => outgoing.get(n.id)!.filter((e) => e.kind === "flow" && edgePlace.has(e.id));
  const errorOuts = (n: WorkflowNode) => outgoing.get(n.id)!.filter((e) => e.kind === "error" && edgePlace.has(e.id));
  const placesOf = (edges: WorkflowEdge[]) => edges.map((e) => arc(edgePlace.get(e.id)!));

  const add = (t: Omit<Transition, "inputs" | "outputs"> & { inputs: Arc[]; outputs: Arc[] }) => transitions.push(t);
  const suffix = (many: boolean, part: string) => (many ? `:${part}` : "");

  const terminateTransitions: number[] = [];
  for (const n of graph.nodes) {
    const ins = inputsOf(n);
    const manyIns = ins.length > 1;
    const inId = (i: { place: number }) => places[i.place]!.origin.edgeId ?? places[i.place]!.id;
    const base = { label: name(n), origin: { nodeId: n.id } };
    switch (n.kind) {
      case "start": {
        add({ id: `t:${n.id}`, ...base, inputs: [arc(startPlace.get(n.id)!)], outputs: placesOf(flowOuts(n)) });
        break;
      }
      case "end":
      case "terminate-end": {
        for (const i of ins) {
          const idx = transitions.length;
          add({ id: `t:${n.id}${suffix(manyIns, inId(i))}`, ...base, inputs: [arc(i.place)], outputs: [arc(sinkOf.get(n.id)!)] });
          if (n.kind === "terminate-end") terminateTransitions.push(idx);
        }
        break;
      }
      case "exclusive-split": {
        const outs = flowOuts(n);
        for (const i of ins) for (const o of outs) add({ id: `t:${n.id}${suffix(manyIns, inId(i))}:${o.id}`, ...base, inputs: [arc(i.place)], outputs: placesOf([o]) });
        break;
      }
      case "inclusive-split": {
        const outs = flowOuts(n);
        if (outs.length > MAX_INCLUSIVE_BRANCHES) break;
        for (const i of ins) for (const sub of subsets(outs)) add({ id: `t:${n.id}${suffix(manyIns, inId(i))}:${sub.map((e) => e.id).join("+")}`, ...base, inputs: [arc(i.place)], outputs: placesOf(sub) });
        break;
      }
      case "parallel-join": {
        add({ id: `t:${n.id}`, ...base, inputs: ins.map((i) => arc(i.place)), outputs: placesOf(flowOuts(n)) });
        break;
      }
      case "inclusive-join": {
        if (ins.length > MAX_INCLUSIVE_BRANCHES) break;
        for (const sub of subsets(ins)) {
          const watch = ins.filter((i) => !sub.includes(i)).map((i) => i.place);
          add({ id: `t:${n.id}:${sub.map(inId).join("+")}`, ...base, inputs: sub.map((i) => arc(i.place)), outputs: placesOf(flowOuts(n)), orJoin: { watch }, group: `${n.id}:join` });
        }
        break;
      }
      case "event-choice":
        break; // its targets consume from its input places
      default: {
        // exclusive merge, parallel split, and every activity: XOR over inputs, AND over outputs.
        const resets = cancelPlaces(n);
        for (const i of ins) {
          add({ id: `t:${n.id}${suffix(manyIns, inId(i))}`, ...base, inputs: [arc(i.place)], outputs: placesOf(flowOuts(n)), ...(resets.length ? { resets } : {}) });
          if (ACTIVITY_KINDS.has(n.kind)) {
            for (const x of errorOuts(n)) {
              add({ id: `t:${n.id}${suffix(manyIns, inId(i))}:error:${x.id}`, label: `${name(n)} fails`, origin: { nodeId: n.id, edgeId: x.id }, inputs: [arc(i.place)], outputs: placesOf([x]) });
            }
          }
        }
      }
    }
  }

  function cancelPlaces(n: WorkflowNode): number[] {
    const result = new Set<number>();
    for (const c of n.cancels ?? []) {
      const target = byId.get(c);
      if (target) for (const i of inputsOf(target)) result.add(i.place);
    }
    return [...result];
  }

  if (terminateTransitions.length) {
    const sinkSet = new Set(sinks);
    const all = places.map((_, i) => i).filter((i) => !sinkSet.has(i));
    for (const t of terminateTransitions) transitions[t]!.resets = all;
  }

  for (let i = 0; i < places.length; i++) initial.push(0);
  const starts = [...startPlace.values()];
  if (starts.length === 1) initial[starts[0]!] = 1;

  const net: Net = { places, transitions, initial, sinks };
  return { net, findings, ok: !findings.some((f) => f.severity === "error") };
}
