/**
 * Place/transition nets as the verifier and the engine see them: arrays indexed by number, so
 * markings are small typed arrays. Every place and transition keeps where it came from in the
 * workflow (node and edge ids), so findings and traces point at the canvas.
 *
 * Two extensions beyond plain P/T nets, both needed by workflow languages:
 * - reset arcs (`resets`): firing empties those places — cancel regions and terminate ends
 *   (reset nets: Dufourd, Finkel, Schnoebelen 1998; YAWL's cancellation, Wynn et al. 2009);
 * - OR-join transitions (`orJoin`): enabled only when no token can still reach an empty input
 *   of the join — the non-local rule of BPMN 2.0 §13.3.3 (Völzer 2010).
 */

/** Where a place or transition came from. */
export type Origin = { nodeId?: string; edgeId?: string };

export type Place = { id: string; label: string; origin: Origin };

export type Arc = { place: number; weight: number };

export type Transition = {
  id: string;
  label: string;
  origin: Origin;
  inputs: Arc[];
  outputs: Arc[];
  /** Places emptied when the transition fires (after consuming, before producing). */
  resets?: number[];
  /**
   * Non-local OR-join: the transition is enabled only if no place in `watch` is marked or can
   * still become marked from a marked place (structurally, not through the join).
   */
  orJoin?: { watch: number[] };
  /**
   * Transitions with the same group are one way of one workflow element (the subset
   * transitions of an OR-join): the element is dead only if all of them are.
   */
  group?: string;
};

export type Net = {
  places: Place[];
  transitions: Transition[];
  /** Initial marking: tokens per place. */
  initial: number[];
  /** Sink places: a final marking marks only these. */
  sinks: number[];
};

/** A marking: tokens per place (index = place number). 255 is the most one place can hold here. */
export type Marking = Uint8Array;

export const MAX_TOKENS = 255;

/** Whether `t` has enough tokens on its inputs in `m` (OR-join conditions are checked elsewhere). */
export function hasTokens(t: Transition, m: Marking): boolean {
  for (const a of t.inputs) if (m[a.place]! < a.weight) return false;
  return true;
}

/** The marking after firing `t` in `m`, or null when a place would exceed {@link MAX_TOKENS}. */
export function fire(t: Transition, m: Marking): Marking | null {
  const next = m.slice();
  for (const a of t.inputs) next[a.place]! -= a.weight;
  if (t.resets) for (const p of t.resets) next[p] = 0;
  for (const a of t.outputs) {
    const v = next[a.place]! + a.weight;
    if (v > MAX_TOKENS) return null;
    next[a.place] = v;
  }
  return next;
}

/** A compact string key of a marking, for hash maps. */
export function markingKey(m: Marking): string {
  let s = "";
  for (let i = 0; i < m.length; i += 8192) s += String.fromCharCode.apply(null, Array.from(m.subarray(i, i + 8192)));
  return s;
}

/** Places marked in `m`, as "label×n" for messages. */
export function describeMarking(net: Net, m: Marking): string {
  const parts: string[] = [];
  m.forEach((n, p) => {
    if (n > 0) parts.push(n > 1 ? `${net.places[p]!.label}×${n}` : net.places[p]!.label);
  });
  return parts.length ? parts.join(", ") : "(empty)";
}
