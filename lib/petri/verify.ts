/**
 * Soundness verification of workflow nets, each property reported on its own:
 * safeness, option to complete, proper completion, no dead transitions, deadlock freedom.
 * `sound` = safe ∧ option to complete ∧ proper completion ∧ no dead transitions.
 *
 * Order of work, cheapest first:
 * 1. structural checks (compile.ts);
 * 2. net reduction (reduce.ts) — a structured net that reduces to the trivial net is sound and
 *    safe without exploring any state;
 * 3. otherwise a breadth-first search of the state space (explore.ts), bounded by a state
 *    budget; when the budget runs out the verdict is "unknown" — never a guess.
 * Every violation carries a shortest firing sequence, mapped to node and edge ids.
 */
import type { WorkflowGraph } from "../workflow/schema";
import { dataFindings } from "../workflow/data-checks";
import { compileWorkflow, netShape, structuralFindings } from "./compile";
import { explore, isFinal, type Violation } from "./explore";
import { applicable, exploreStubborn } from "./stubborn";
import { finding, type Finding, type TraceStep } from "./findings";
import { describeMarking, type Marking, type Net } from "./net";
import { reduceShortCircuited, reducible } from "./reduce";
import { reduceWorkflow } from "./workflow-reduce";

export type VerifyOptions = {
  /** Most states the search may visit before answering "unknown" (default 200,000). */
  maxStates?: number;
  /** Try net reduction first (default true; tests turn it off to compare with the search). */
  reduce?: boolean;
};

export const DEFAULT_MAX_STATES = 200_000;

/** The verdict on a net; `null` means "not known": the state budget ran out first. */
export type NetVerdict = {
  sound: boolean | null;
  safe: boolean | null;
  optionToComplete: boolean | null;
  properCompletion: boolean | null;
  noDeadTransitions: boolean | null;
  deadlockFree: boolean | null;
  /** Ids of transitions that can never fire (when known). */
  deadTransitions: string[];
  /** States visited (0 when reduction decided). */
  states: number;
  budgetExceeded: boolean;
  method: "reduction" | "state-space";
  /** Whether the net is free-choice (every two transitions sharing an input place have the same inputs). */
  freeChoice: boolean;
  issues: Finding[];
};

export type VerificationResult = NetVerdict & {
  places: number;
  transitions: number;
  /** Structural, behavioural and data findings together. */
  issues: Finding[];
  /** True when sound and no finding is an error (what publishing requires). */
  ok: boolean;
};

/** Free-choice (Desel and Esparza 1995, Def. 4.1): •t ∩ •u ≠ ∅ ⇒ •t = •u. */
export function isFreeChoice(net: Net): boolean {
  const preOf = net.transitions.map((t) => t.inputs.map((a) => a.place).sort((a, b) => a - b).join(","));
  const byPlace = new Map<number, string>();
  for (let ti = 0; ti < net.transitions.length; ti++) {
    for (const a of net.transitions[ti]!.inputs) {
      const seen = byPlace.get(a.place);
      if (seen === undefined) byPlace.set(a.place, preOf[ti]!);
      else if (seen !== preOf[ti]) return false;
    }
  }
  return true;
}

/** Maps a path of transition indices to trace steps with node and edge ids. */
export function traceOf(net: Net, path: number[]): TraceStep[] {
  return path.map((ti) => {
    const t = net.transitions[ti]!;
    const edges = (arcs: { place: number }[]) => arcs.map((a) => net.places[a.place]!.origin.edgeId).filter((e): e is string => e !== undefined);
    return { transition: t.id, label: t.label, ...(t.origin.nodeId ? { nodeId: t.origin.nodeId } : {}), consumed: edges(t.inputs), produced: edges(t.outputs) };
  });
}

type Where = { nodeIds: string[]; edgeIds: string[]; names: string[] };

/** Nodes and edges a marking points at: the node each marked edge leads to. */
function whereMarked(net: Net, m: Marking, edgeTarget: Map<string, string>, only?: number): Where {
  const w: Where = { nodeIds: [], edgeIds: [], names: [] };
  m.forEach((n, p) => {
    if (n === 0 || (only !== undefined && p !== only)) return;
    const place = net.places[p]!;
    w.names.push(place.label);
    if (place.origin.edgeId) {
      w.edgeIds.push(place.origin.edgeId);
      const target = edgeTarget.get(place.origin.edgeId);
      if (target) w.nodeIds.push(target);
    } else if (place.origin.nodeId) {
      w.nodeIds.push(place.origin.nodeId);
    }
  });
  w.nodeIds = [...new Set(w.nodeIds)];
  return w;
}

/** Verifies a net. `edgeTarget` maps edge ids to their target node ids (for workflows). */
export function verifyNet(net: Net, options: VerifyOptions = {}, edgeTarget = new Map<string, string>()): NetVerdict {
  const freeChoice = isFreeChoice(net);
  const issues: Finding[] = [];
  if (net.sinks.length === 0) {
    issues.push(finding("NO_SINK", "The net has no place without outgoing arcs, so no run can ever complete."));
  }
  if (options.reduce !== false && reducible(net)) {
    const r = reduceShortCircuited(net);
    if (r.trivial) {
      return { sound: true, safe: true, optionToComplete: true, properCompletion: true, noDeadTransitions: true, deadlockFree: true, deadTransitions: [], states: 0, budgetExceeded: false, method: "reduction", freeChoice, issues };
    }
  }

  const x = explore(net, { maxStates: options.maxStates ?? DEFAULT_MAX_STATES });
  const withTrace = (f: Finding, v: Violation): Finding => ({ ...f, trace: traceOf(net, v.path) });

  if (x.unsafe) {
    const w = whereMarked(net, x.unsafe.marking, edgeTarget, x.unsafe.place);
    issues.push(withTrace(finding("UNSAFE", `Two tokens can be on ${w.names[0]} at once: ${w.nodeIds.length ? "the next step may run twice — a lack of synchronisation" : "the net is not safe"}.`, w.nodeIds, w.edgeIds), x.unsafe));
  }
  if (x.unbounded) {
    const w = whereMarked(net, x.unbounded.marking, edgeTarget, x.unbounded.place);
    issues.push(withTrace(finding("UNBOUNDED", `Tokens can pile up without limit on ${w.names[0]}: a loop keeps producing work that nothing consumes.`, w.nodeIds, w.edgeIds), x.unbounded));
  }
  if (x.overflow) {
    issues.push(withTrace(finding("UNBOUNDED", "A place would hold more than 255 tokens; the net is not safe."), x.overflow));
  }
  if (x.deadlock) {
    const w = whereMarked(net, x.deadlock.marking, edgeTarget);
    issues.push(withTrace(finding("DEADLOCK", `The run can get stuck before it completes, with work waiting at ${w.names.join(", ")}.`, w.nodeIds, w.edgeIds), x.deadlock));
  }
  if (x.improper) {
    const m = x.improper.marking;
    const sink = x.improper.place!;
    const twice = m[sink]! > 1;
    const w = whereMarked(net, m, edgeTarget);
    const sinkNode = net.places[sink]!.origin.nodeId;
    const pending = describeMarking(net, m.map((n, p) => (p === sink || net.sinks.includes(p) ? 0 : n)) as Marking);
    const message = twice ? `The run can reach ${net.places[sink]!.label} twice.` : `The run can reach ${net.places[sink]!.label} while work is still pending at ${pending}.`;
    issues.push(withTrace(finding("IMPROPER_COMPLETION", message, [...new Set([...(sinkNode ? [sinkNode] : []), ...w.nodeIds])], w.edgeIds), x.improper));
  }
  if (x.noOptionToComplete) {
    const w = whereMarked(net, x.noOptionToComplete.marking, edgeTarget);
    issues.push(withTrace(finding("NO_OPTION_TO_COMPLETE", `From here the run can never complete (it can only go round without reaching an end), with work at ${w.names.join(", ")}.`, w.nodeIds, w.edgeIds), x.noOptionToComplete));
  }
  const deadTransitions = (x.dead ?? []).map((ti) => net.transitions[ti]!.id);
  if (x.dead?.length) {
    // One finding per node whose every transition is dead; otherwise one per dead branch.
    const byNode = new Map<string, number[]>();
    const allByNode = new Map<string, number>();
    net.transitions.forEach((t) => {
      const k = t.origin.nodeId ?? t.id;
      allByNode.set(k, (allByNode.get(k) ?? 0) + 1);
    });
    for (const ti of x.dead) {
      const t = net.transitions[ti]!;
      const k = t.origin.nodeId ?? t.id;
      byNode.set(k, [...(byNode.get(k) ?? []), ti]);
    }
    for (const [k, dead] of byNode) {
      const t0 = net.transitions[dead[0]!]!;
      const nodeIds = t0.origin.nodeId ? [t0.origin.nodeId] : [];
      if (dead.length === allByNode.get(k)) {
        issues.push(finding("DEAD_TRANSITION", `"${t0.label}" can never run.`, nodeIds, []));
      } else {
        for (const ti of dead) {
          const t = net.transitions[ti]!;
          const edgeIds = [...t.inputs, ...t.outputs].map((a) => net.places[a.place]!.origin.edgeId).filter((e): e is string => !!e);
          const how = t.origin.edgeId ? "its failure path" : `the way ${t.id}`;
          issues.push(finding("DEAD_TRANSITION", `"${t.label}" can never take ${how}.`, nodeIds, edgeIds, "warning"));
        }
      }
    }
  }

  const budgetExceeded = !x.complete && !x.unbounded && !x.overflow;
  // Beyond the budget, deadlocks can still be decided exactly on the stubborn-set reduced graph.
  let porDeadlockFree: boolean | null = null;
  let porStates = 0;
  if (budgetExceeded && !x.deadlock && applicable(net)) {
    const sinkMask = new Uint8Array(net.places.length);
    for (const s of net.sinks) sinkMask[s] = 1;
    const por = exploreStubborn(net, options.maxStates ?? DEFAULT_MAX_STATES, (m) => isFinal(net, m, sinkMask));
    porStates = por.states;
    if (por.deadlock) {
      porDeadlockFree = false;
      const w = whereMarked(net, por.deadlock.marking, edgeTarget);
      issues.push({ ...finding("DEADLOCK", `The run can get stuck before it completes, with work waiting at ${w.names.join(", ")}.`, w.nodeIds, w.edgeIds), trace: traceOf(net, por.deadlock.path) });
    } else if (por.complete) {
      porDeadlockFree = true;
    }
  }
  if (budgetExceeded) {
    issues.push(finding("STATE_BUDGET_EXCEEDED", `Not checked completely: the state space has more than ${(options.maxStates ?? DEFAULT_MAX_STATES).toLocaleString("en")} states. Properties not shown violated are unknown.`, [], [], "warning"));
  }
  const known = x.complete;
  const safe = x.unsafe || x.unbounded || x.overflow ? false : known ? true : null;
  const properCompletion = x.improper ? false : known ? true : null;
  const deadlockFree = x.deadlock ? false : known ? true : porDeadlockFree;
  const optionToComplete = x.deadlock || x.noOptionToComplete || porDeadlockFree === false ? false : known ? x.optionToComplete : null;
  const noDeadTransitions = known ? deadTransitions.length === 0 : null;
  const parts = [safe, optionToComplete, properCompletion, noDeadTransitions];
  const sound = parts.includes(false) || net.sinks.length === 0 ? false : parts.includes(null) ? null : true;
  return { sound, safe, optionToComplete, properCompletion, noDeadTransitions, deadlockFree, deadTransitions, states: x.states + porStates, budgetExceeded, method: "state-space", freeChoice, issues };
}

/**
 * Verifies a structurally valid workflow: first collapse its evidently sound SESE fragments; if
 * that leaves the trivial workflow it is sound. Otherwise verify what is left — sound there means
 * sound here. When something is wrong, search the original net instead, so that every
 * counterexample is a real run of the workflow as drawn (falling back to the reduced graph's
 * findings only if the original is beyond the state budget).
 */
function verifyWithFragments(graph: WorkflowGraph, options: VerifyOptions, freeChoice: boolean): NetVerdict {
  const edgeTarget = new Map(graph.edges.map((e) => [e.id, e.target]));
  const full = () => verifyNet(compileWorkflow(graph).net, options, edgeTarget);
  if (options.reduce === false) return full();
  const reduced = reduceWorkflow(graph);
  if (reduced.trivial) {
    return { sound: true, safe: true, optionToComplete: true, properCompletion: true, noDeadTransitions: true, deadlockFree: true, deadTransitions: [], states: 0, budgetExceeded: false, method: "reduction", freeChoice, issues: [] };
  }
  if (reduced.steps === 0) return full();
  const small = verifyNet(compileWorkflow(reduced.graph).net, options, edgeTarget);
  if (small.sound === true) return { ...small, method: "reduction", freeChoice };
  const original = full();
  if (!(original.budgetExceeded && small.sound === false)) return original;
  // The drawn workflow is beyond the budget but its reduced form is not: the verdict stands, but
  // runs of the reduced form are not runs of the drawing, so they are not shown.
  const issues = small.issues.map(({ trace: _trace, ...f }) =>
    f.code === "STATE_BUDGET_EXCEEDED" ? f : { ...f, message: `${f.message} (No run is shown: the workflow as drawn has too many states to search for one.)` },
  );
  return { ...small, issues, freeChoice };
}

/** Compiles and verifies a workflow: structure, behaviour and data, in one result. */
export function verifyWorkflow(graph: WorkflowGraph, options: VerifyOptions = {}): VerificationResult {
  const structural = structuralFindings(graph);
  const data = dataFindings(graph);
  const shape = netShape(graph);
  const structuralErrors = structural.some((f) => f.severity === "error");
  const structurallyBroken = structural.some((f) => f.severity === "error" && ["NO_START", "MANY_STARTS", "NO_END"].includes(f.code));
  let verdict: NetVerdict;
  if (structurallyBroken) {
    verdict = { sound: false, safe: null, optionToComplete: null, properCompletion: null, noDeadTransitions: null, deadlockFree: null, deadTransitions: [], states: 0, budgetExceeded: false, method: "state-space", freeChoice: shape.freeChoice, issues: [] };
  } else {
    verdict = verifyWithFragments(graph, options, shape.freeChoice);
    if (structuralErrors && verdict.sound) verdict = { ...verdict, sound: false };
  }
  const issues = [...structural, ...verdict.issues, ...data];
  return {
    ...verdict,
    places: shape.places,
    transitions: shape.transitions,
    issues,
    ok: verdict.sound === true && !issues.some((f) => f.severity === "error"),
  };
}
