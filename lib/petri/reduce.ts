/**
 * Soundness-preserving net reduction.
 *
 * A WF-net N is sound iff its short-circuited net N* (an extra transition t* from the sink back
 * to the source) is live and bounded (van der Aalst 1997, Lemma 1). Murata's six reduction
 * rules (Murata 1989, "Petri nets: properties, analysis and applications", §VI.B, Fig. 20) —
 * fusion of series places (FSP) and series transitions (FST), fusion of parallel places (FPP)
 * and parallel transitions (FPT), elimination of self-loop places (ESP) and transitions (EST) —
 * preserve liveness, safeness and boundedness. So if N* reduces to one marked place with one
 * self-loop transition, N is sound and safe, with no state space to explore. Structured
 * workflows (sequences, exclusive/parallel blocks, loops) always reduce this way, whatever
 * their size; for free-choice nets, Desel and Esparza (1995, "Free Choice Petri Nets", ch. 7)
 * give a complete rule set of which these are the local ones. Nets that do not reduce fully
 * go to the state-space search, on the original net, so counterexamples stay exact.
 *
 * Applies to ordinary nets (arc weights 1) with one source place holding the only initial
 * token, one sink place, and neither reset arcs nor OR-join transitions.
 */
import type { Net } from "./net";

type RNode = { pre: Set<number>; post: Set<number> };

/** Whether the reduction rules apply to `net` (see the module comment). */
export function reducible(net: Net): boolean {
  if (net.sinks.length !== 1) return false;
  let marked = -1;
  for (let p = 0; p < net.initial.length; p++) {
    const n = net.initial[p]!;
    if (n === 0) continue;
    if (n !== 1 || marked >= 0) return false;
    marked = p;
  }
  if (marked < 0) return false;
  for (const t of net.transitions) {
    if (t.resets?.length || t.orJoin) return false;
    for (const a of [...t.inputs, ...t.outputs]) if (a.weight !== 1) return false;
    if (t.outputs.some((a) => a.place === marked)) return false; // the source has no producers
    if (t.inputs.some((a) => a.place === net.sinks[0])) return false; // the sink has no consumers
  }
  return true;
}

export type ReductionResult = { trivial: boolean; places: number; transitions: number; steps: number };

/**
 * Reduces the short-circuited net as far as the rules go. `trivial` means it ended as one place
 * with one token and one self-loop transition: the workflow net is sound and safe.
 */
export function reduceShortCircuited(net: Net): ReductionResult {
  const source = net.initial.findIndex((n) => n > 0);
  const sink = net.sinks[0]!;
  const places = new Map<number, RNode & { tokens: number }>();
  const transitions = new Map<number, RNode>();
  net.places.forEach((_, i) => places.set(i, { pre: new Set(), post: new Set(), tokens: net.initial[i]! }));
  net.transitions.forEach((t, i) => {
    const node: RNode = { pre: new Set(t.inputs.map((a) => a.place)), post: new Set(t.outputs.map((a) => a.place)) };
    transitions.set(i, node);
    for (const p of node.pre) places.get(p)!.post.add(i);
    for (const p of node.post) places.get(p)!.pre.add(i);
  });
  const star = net.transitions.length; // t*: sink -> source
  transitions.set(star, { pre: new Set([sink]), post: new Set([source]) });
  places.get(sink)!.post.add(star);
  places.get(source)!.pre.add(star);
  const starIds = new Set([star]);

  const removeTransition = (t: number) => {
    const n = transitions.get(t)!;
    for (const p of n.pre) places.get(p)!.post.delete(t);
    for (const p of n.post) places.get(p)!.pre.delete(t);
    transitions.delete(t);
  };
  const removePlace = (p: number) => {
    const n = places.get(p)!;
    for (const t of n.pre) transitions.get(t)!.post.delete(p);
    for (const t of n.post) transitions.get(t)!.pre.delete(p);
    places.delete(p);
  };
  const only = (s: Set<number>) => (s.size === 1 ? s.values().next().value! : -1);
  const keyOf = (a: Set<number>, b: Set<number>) => `${[...a].sort((x, y) => x - y).join(",")}|${[...b].sort((x, y) => x - y).join(",")}`;

  let steps = 0;
  let changed = true;
  while (changed) {
    changed = false;
    // FST: p with one producer t1 and one consumer t2, p the only input of t2 -> t1 absorbs t2.
    for (const [p, pn] of [...places]) {
      if (!places.has(p) || pn.tokens > 0) continue;
      const t1 = only(pn.pre);
      const t2 = only(pn.post);
      if (t1 < 0 || t2 < 0 || t1 === t2) continue;
      const n1 = transitions.get(t1)!;
      const n2 = transitions.get(t2)!;
      if (n2.pre.size !== 1) continue;
      if ([...n2.post].some((q) => n1.post.has(q) && q !== p)) continue; // keep the net ordinary
      removePlace(p);
      for (const q of n2.post) {
        n1.post.add(q);
        places.get(q)!.pre.add(t1);
      }
      if (starIds.has(t2)) starIds.add(t1);
      removeTransition(t2);
      steps++;
      changed = true;
    }
    // FSP: t with one input p1 and one output p2, t the only consumer of p1 -> p1 merges into p2.
    for (const [t, tn] of [...transitions]) {
      if (!transitions.has(t) || starIds.has(t)) continue;
      const p1 = only(tn.pre);
      const p2 = only(tn.post);
      if (p1 < 0 || p2 < 0 || p1 === p2) continue;
      const n1 = places.get(p1)!;
      if (n1.post.size !== 1) continue;
      const n2 = places.get(p2)!;
      if ([...n1.pre].some((u) => n2.pre.has(u) && u !== t)) continue; // keep the net ordinary
      removeTransition(t);
      n2.tokens += n1.tokens;
      for (const u of n1.pre) {
        transitions.get(u)!.post.add(p2);
        n2.pre.add(u);
      }
      removePlace(p1);
      steps++;
      changed = true;
    }
    // EST: a transition whose only input and only output is the same place.
    for (const [t, tn] of [...transitions]) {
      if (starIds.has(t) || transitions.size <= 1) continue;
      const p = only(tn.pre);
      if (p >= 0 && only(tn.post) === p) {
        removeTransition(t);
        steps++;
        changed = true;
      }
    }
    // ESP: a marked place whose only producer and consumer is the same transition.
    for (const [p, pn] of [...places]) {
      if (places.size <= 1 || pn.tokens < 1) continue;
      const t = only(pn.pre);
      if (t >= 0 && only(pn.post) === t) {
        removePlace(p);
        steps++;
        changed = true;
      }
    }
    // FPT: transitions with the same inputs and outputs.
    const seenT = new Map<string, number>();
    for (const [t, tn] of [...transitions]) {
      const key = keyOf(tn.pre, tn.post);
      const other = seenT.get(key);
      if (other === undefined) {
        seenT.set(key, t);
        continue;
      }
      const drop = starIds.has(t) ? other : t; // never drop t*
      if (starIds.has(drop)) continue;
      removeTransition(drop);
      seenT.set(key, drop === t ? other : t);
      steps++;
      changed = true;
    }
    // FPP: places with the same producers, consumers and tokens.
    const seenP = new Map<string, number>();
    for (const [p, pn] of [...places]) {
      const key = `${keyOf(pn.pre, pn.post)}|${pn.tokens}`;
      if (seenP.has(key)) {
        removePlace(p);
        steps++;
        changed = true;
      } else {
        seenP.set(key, p);
      }
    }
  }

  let trivial = false;
  if (places.size === 1 && transitions.size === 1) {
    const [p, pn] = [...places][0]!;
    const tn = [...transitions.values()][0]!;
    trivial = pn.tokens === 1 && only(tn.pre) === p && only(tn.post) === p;
  }
  return { trivial, places: places.size, transitions: transitions.size, steps };
}
