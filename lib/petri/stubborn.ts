/**
 * Partial-order reduction with stubborn sets (Valmari 1988, "Error detection by reduced
 * reachability graph generation"; 1991, "Stubborn sets for reduced state space generation").
 * In each state only the enabled transitions of a stubborn set are fired. A set S is stubborn
 * in M when
 *   D1: for an enabled t in S, every transition that competes with t for an input place is in S;
 *   D2: for a disabled t in S, all producers of one insufficiently marked input place of t
 *       (its "scapegoat") are in S;
 *   and S holds an enabled transition.
 * Theorem (Valmari): every deadlock reachable from a state of the reduced graph is reachable in
 * the reduced graph too — so deadlock freedom, and the reachability of the final markings
 * (which are deadlocks: sinks have no consumers), are decided exactly on the reduced graph.
 * Properties that need every interleaving — safeness, option to complete through livelocks —
 * are not claimed from it. Only for plain P/T nets (no reset arcs, no OR-joins).
 */
import { fire, hasTokens, markingKey, type Marking, type Net } from "./net";

export type StubbornResult = { states: number; complete: boolean; deadlock?: { path: number[]; marking: Marking } };

export function applicable(net: Net): boolean {
  return net.transitions.every((t) => !t.resets?.length && !t.orJoin);
}

export function exploreStubborn(net: Net, maxStates: number, isFinal: (m: Marking) => boolean): StubbornResult {
  const T = net.transitions.length;
  const consumers: number[][] = net.places.map(() => []);
  const producers: number[][] = net.places.map(() => []);
  net.transitions.forEach((t, ti) => {
    for (const a of t.inputs) consumers[a.place]!.push(ti);
    for (const a of t.outputs) producers[a.place]!.push(ti);
  });
  /** The closure of {seed} under D1/D2 in m; returns its enabled members. */
  const stubbornFrom = (seed: number, m: Marking): number[] => {
    const inSet = new Uint8Array(T);
    const stack = [seed];
    inSet[seed] = 1;
    const enabledMembers: number[] = [];
    const add = (u: number) => {
      if (inSet[u]) return;
      inSet[u] = 1;
      stack.push(u);
    };
    while (stack.length) {
      const ti = stack.pop()!;
      const t = net.transitions[ti]!;
      if (hasTokens(t, m)) {
        enabledMembers.push(ti);
        for (const a of t.inputs) for (const u of consumers[a.place]!) add(u);
      } else {
        const scapegoat = t.inputs.find((a) => m[a.place]! < a.weight)!;
        for (const u of producers[scapegoat.place]!) add(u);
      }
    }
    return enabledMembers;
  };

  const markings: Marking[] = [Uint8Array.from(net.initial)];
  const parent = [-1];
  const via = [-1];
  const index = new Map<string, number>([[markingKey(markings[0]!), 0]]);
  for (let head = 0; head < markings.length; head++) {
    const m = markings[head]!;
    const enabled: number[] = [];
    for (let ti = 0; ti < T; ti++) if (hasTokens(net.transitions[ti]!, m)) enabled.push(ti);
    if (!enabled.length) {
      if (!isFinal(m)) {
        const path: number[] = [];
        for (let s = head; parent[s]! >= 0; s = parent[s]!) path.push(via[s]!);
        return { states: markings.length, complete: false, deadlock: { path: path.reverse(), marking: m } };
      }
      continue;
    }
    // The smallest stubborn set over the seeds.
    let best = enabled;
    for (const seed of enabled) {
      const s = stubbornFrom(seed, m);
      if (s.length < best.length) best = s;
      if (best.length === 1) break;
    }
    // Cycle proviso (Peled's C3, in its breadth-first form): if firing the reduced set leads
    // only to states already seen, expand fully, so no transition is ignored forever.
    const successors = (set: number[]) =>
      set.flatMap((ti) => {
        const next = fire(net.transitions[ti]!, m);
        return next ? [{ ti, next }] : []; // a place past 255 tokens: out of scope here
      });
    let succ = successors(best);
    if (best.length < enabled.length && succ.every(({ next }) => index.has(markingKey(next)))) succ = successors(enabled);
    for (const { ti, next } of succ) {
      const key = markingKey(next);
      if (index.has(key)) continue;
      index.set(key, markings.length);
      markings.push(next);
      parent.push(head);
      via.push(ti);
    }
    if (markings.length > maxStates) return { states: markings.length, complete: false };
  }
  return { states: markings.length, complete: true };
}
