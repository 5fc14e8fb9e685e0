/**
 * Explicit state-space exploration of a net, breadth first, so that the first bad state found
 * has a shortest firing sequence. Checks every property of workflow-net soundness on its own:
 * safeness (and unboundedness, detected with the Karp–Miller criterion: a marking that strictly
 * covers one of its ancestors proves the net unbounded — Karp and Miller 1969 — so exploration
 * always terminates), deadlocks, proper completion, option to complete (backward reachability
 * of the final markings over the reachability graph) and dead transitions.
 */
import { describeMarking, fire, hasTokens, markingKey, type Marking, type Net, type Transition } from "./net";

export type ExploreOptions = {
  /** Stop (without a verdict on what is not yet violated) after this many states. */
  maxStates: number;
};

export type Violation = {
  kind: "unsafe" | "unbounded" | "deadlock" | "improper" | "no-option-to-complete" | "overflow";
  /** Transition indices from the initial marking to the bad marking. */
  path: number[];
  marking: Marking;
  /** The place concerned (unsafe, unbounded, improper). */
  place?: number;
};

export type ExploreResult = {
  states: number;
  /** True when the whole state space was explored. */
  complete: boolean;
  unsafe?: Violation;
  unbounded?: Violation;
  overflow?: Violation;
  deadlock?: Violation;
  improper?: Violation;
  noOptionToComplete?: Violation;
  /** False when some reachable marking cannot reach a final marking (complete explorations only). */
  optionToComplete: boolean | null;
  /** Indices of transitions never enabled (complete explorations only). */
  dead: number[] | null;
};

/** Whether `m` is final: non-empty and marks only sinks. */
export function isFinal(net: Net, m: Marking, sinkMask: Uint8Array): boolean {
  let any = false;
  for (let p = 0; p < m.length; p++) {
    if (m[p]! > 0) {
      if (!sinkMask[p]) return false;
      any = true;
    }
  }
  return any;
}

/**
 * Precomputes, for each OR-join transition, the places upstream of each of its input places
 * (structurally, without passing through the join itself or its other inputs).
 */
export function orJoinFeeders(net: Net): Map<number, Map<number, Uint8Array>> {
  const result = new Map<number, Map<number, Uint8Array>>();
  const producers: number[][] = net.places.map(() => []);
  net.transitions.forEach((t, ti) => t.outputs.forEach((a) => producers[a.place]!.push(ti)));
  net.transitions.forEach((t, ti) => {
    if (!t.orJoin) return;
    const joinInputs = new Set([...t.inputs.map((a) => a.place), ...t.orJoin.watch]);
    const joinNode = t.origin.nodeId;
    const masks = new Map<number, Uint8Array>();
    for (const q of joinInputs) {
      const mask = new Uint8Array(net.places.length);
      const stack = [q];
      mask[q] = 1;
      while (stack.length) {
        const p = stack.pop()!;
        for (const pt of producers[p]!) {
          const tr = net.transitions[pt]!;
          if (joinNode !== undefined && tr.origin.nodeId === joinNode) continue;
          for (const a of tr.inputs) {
            if (!mask[a.place] && !joinInputs.has(a.place)) {
              mask[a.place] = 1;
              stack.push(a.place);
            }
          }
        }
      }
      masks.set(q, mask);
    }
    result.set(ti, masks);
  });
  return result;
}

/**
 * Whether transition `t` (index `ti`) is enabled in `m`. For an OR-join: its inputs are marked,
 * its other inputs are empty, and every token upstream of an empty input is also upstream of a
 * marked one — Völzer's semantics (2010, "A new semantics for the inclusive converging gateway
 * in safe processes"), which unlike a literal reading of BPMN 2.0 does not deadlock in loops.
 */
export function enabled(t: Transition, ti: number, m: Marking, feeders: Map<number, Map<number, Uint8Array>>): boolean {
  if (!hasTokens(t, m)) return false;
  if (!t.orJoin) return true;
  const masks = feeders.get(ti)!;
  for (const q of t.orJoin.watch) {
    if (m[q]! > 0) return false;
    const up = masks.get(q)!;
    for (let p = 0; p < m.length; p++) {
      if (m[p] === 0 || !up[p] || masks.has(p)) continue;
      let alsoMarked = false;
      for (const a of t.inputs) if (masks.get(a.place)![p]) alsoMarked = true;
      if (!alsoMarked) return false;
    }
  }
  return true;
}

export function explore(net: Net, options: ExploreOptions): ExploreResult {
  const P = net.places.length;
  const T = net.transitions.length;
  const sinkMask = new Uint8Array(P);
  for (const s of net.sinks) sinkMask[s] = 1;
  const feeders = orJoinFeeders(net);
  const singleSink = net.sinks.length === 1;

  const markings: Marking[] = [];
  const parent: number[] = [];
  const via: number[] = [];
  const index = new Map<string, number>();
  const everEnabled = new Uint8Array(T);
  // Reachability graph, as successor lists, for the backward pass.
  const succ: number[][] = [];

  const result: ExploreResult = { states: 0, complete: false, optionToComplete: null, dead: null };

  const pathTo = (s: number): number[] => {
    const path: number[] = [];
    for (let cur = s; parent[cur]! >= 0; cur = parent[cur]!) path.push(via[cur]!);
    return path.reverse();
  };
  const hasTwo = (m: Marking) => {
    for (let p = 0; p < P; p++) if (m[p]! > 1) return p;
    return -1;
  };
  /** Karp–Miller: does `m` strictly cover a marking on its own path from the root? */
  const coversAncestor = (m: Marking, from: number): number => {
    for (let a = from; a >= 0; a = parent[a]!) {
      const am = markings[a]!;
      let geq = true;
      let strict = false;
      for (let p = 0; p < P; p++) {
        if (m[p]! < am[p]!) {
          geq = false;
          break;
        }
        if (m[p]! > am[p]!) strict = true;
      }
      if (geq && strict) {
        for (let p = 0; p < P; p++) if (m[p]! > am[p]!) return p;
      }
    }
    return -1;
  };

  const init = Uint8Array.from(net.initial);
  markings.push(init);
  parent.push(-1);
  via.push(-1);
  index.set(markingKey(init), 0);

  let head = 0;
  while (head < markings.length) {
    const s = head++;
    const m = markings[s]!;
    const out: number[] = [];
    succ[s] = out;
    const final = isFinal(net, m, sinkMask);

    // Proper completion: a sink holds at most one token; with a single sink, marking it means
    // nothing else is marked (van der Aalst's classic condition).
    if (!result.improper) {
      for (const sk of net.sinks) {
        if (m[sk]! > 1 || (m[sk]! > 0 && singleSink && !final)) {
          result.improper = { kind: "improper", path: pathTo(s), marking: m, place: sk };
          break;
        }
      }
    }

    let any = false;
    for (let ti = 0; ti < T; ti++) {
      const t = net.transitions[ti]!;
      if (!enabled(t, ti, m, feeders)) continue;
      any = true;
      everEnabled[ti] = 1;
      const next = fire(t, m);
      if (!next) {
        result.overflow ??= { kind: "overflow", path: [...pathTo(s), ti], marking: m };
        continue;
      }
      const key = markingKey(next);
      let n = index.get(key);
      if (n === undefined) {
        n = markings.length;
        markings.push(next);
        parent.push(s);
        via.push(ti);
        index.set(key, n);
        const two = hasTwo(next);
        if (two >= 0) {
          result.unsafe ??= { kind: "unsafe", path: pathTo(n), marking: next, place: two };
          const grown = coversAncestor(next, s);
          if (grown >= 0) {
            result.unbounded = { kind: "unbounded", path: pathTo(n), marking: next, place: grown };
            result.states = markings.length;
            return result;
          }
        }
      }
      out.push(n);
    }
    if (!any && !final && !result.deadlock) result.deadlock = { kind: "deadlock", path: pathTo(s), marking: m };
    if (markings.length > options.maxStates) {
      result.states = markings.length;
      return result;
    }
  }
  result.states = markings.length;
  if (result.overflow) return result;
  result.complete = true;

  // Option to complete: which states can reach a final marking? Backward over the graph.
  const N = markings.length;
  const pred: number[][] = Array.from({ length: N }, () => []);
  for (let s = 0; s < N; s++) for (const n of succ[s]!) pred[n]!.push(s);
  /** States that can reach a state satisfying `seed`, backward over the reachability graph. */
  const canReach = (seed: (s: number) => boolean): Uint8Array => {
    const mark = new Uint8Array(N);
    const stack: number[] = [];
    for (let s = 0; s < N; s++) {
      if (seed(s)) {
        mark[s] = 1;
        stack.push(s);
      }
    }
    while (stack.length) {
      const s = stack.pop()!;
      for (const p of pred[s]!) {
        if (!mark[p]) {
          mark[p] = 1;
          stack.push(p);
        }
      }
    }
    return mark;
  };
  const canFinish = canReach((s) => isFinal(net, markings[s]!, sinkMask));
  /** The transition that leads from state `a` to state `b`. */
  const transitionBetween = (a: number, b: number): number => {
    const m = markings[a]!;
    for (let ti = 0; ti < T; ti++) {
      const t = net.transitions[ti]!;
      if (!enabled(t, ti, m, feeders)) continue;
      const n = fire(t, m);
      if (n && index.get(markingKey(n)) === b) return ti;
    }
    return -1;
  };
  result.optionToComplete = true;
  // A stuck state that can still reach a deadlock is explained by the deadlock already
  // reported; one that cannot is a livelock: it can only go round. Report the shallowest
  // livelock state (states are numbered in BFS order, so its path is a shortest one).
  const toDeadlock = canReach((s) => succ[s]!.length === 0 && !canFinish[s]);
  for (let s = 0; s < N; s++) {
    if (canFinish[s]) continue;
    result.optionToComplete = false;
    if (!toDeadlock[s]) {
      // Show the run going round: the shortest path to the first doomed state, then a cycle
      // among doomed states (every successor of a doomed state is doomed) — a lasso.
      const onPath = new Map<number, number>();
      const loop: number[] = [];
      let cur = s;
      while (!onPath.has(cur) && succ[cur]!.length) {
        onPath.set(cur, loop.length);
        const nxt = succ[cur]![0]!;
        loop.push(via[nxt] === undefined ? -1 : transitionBetween(cur, nxt));
        cur = nxt;
      }
      result.noOptionToComplete = { kind: "no-option-to-complete", path: [...pathTo(s), ...loop.filter((t) => t >= 0)], marking: markings[s]! };
      break;
    }
  }
  // A grouped transition is dead only if its whole group is (see Transition.group).
  const liveGroups = new Set<string>();
  net.transitions.forEach((t, ti) => {
    if (t.group && everEnabled[ti]) liveGroups.add(t.group);
  });
  result.dead = [];
  for (let ti = 0; ti < T; ti++) {
    const g = net.transitions[ti]!.group;
    if (!everEnabled[ti] && !(g && liveGroups.has(g))) result.dead.push(ti);
  }
  return result;
}

export { describeMarking };
