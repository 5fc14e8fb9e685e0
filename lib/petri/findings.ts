/**
 * Verification findings are data, not exceptions: each names what is wrong in one sentence, the
 * nodes and edges it concerns, and — for behavioural problems — a shortest firing sequence from
 * the start that shows it, which the designer animates.
 */

/** Every finding code, with when it is reported. */
export type FindingCode =
  // Structure (compiler)
  | "NO_START" /** the workflow has no start node */
  | "MANY_STARTS" /** more than one start node */
  | "NO_END" /** no end or terminate-end node */
  | "EDGE_INTO_START" /** an edge ends at a start node */
  | "EDGE_OUT_OF_END" /** an edge leaves an end node */
  | "NO_INCOMING" /** a node other than start has no incoming edge */
  | "NO_OUTGOING" /** a node other than an end has no outgoing flow edge */
  | "NOT_ON_PATH" /** a node lies on no path from the start to an end */
  | "ERROR_EDGE_FROM_NON_ACTIVITY" /** an error edge leaves a gateway or event that cannot fail */
  | "EVENT_CHOICE_TARGET" /** an event-based choice leads to something other than a timer or signal wait */
  | "GATEWAY_TOO_WIDE" /** an inclusive gateway has more than 8 branches */
  | "MANY_DEFAULTS" /** a split has more than one default branch */
  | "CONDITION_IGNORED" /** a condition on an edge that does not leave an exclusive or inclusive split */
  | "NO_SINK" /** a net (PNML) has no place without outgoing arcs, so it can never complete */
  | "COMPENSATION_HANDLER" /** a `compensate` reference is missing, not a task, or wired into the flow */
  // Behaviour (verifier)
  | "UNSAFE" /** a place can hold two tokens: a step may run twice at once (lack of synchronisation) */
  | "UNBOUNDED" /** tokens can pile up without limit */
  | "DEADLOCK" /** the run can get stuck before it completes */
  | "NO_OPTION_TO_COMPLETE" /** the run can reach a state from which it can never complete (livelock) */
  | "IMPROPER_COMPLETION" /** the run can complete while work is still pending, or reach an end twice */
  | "DEAD_TRANSITION" /** a step can never run */
  | "STATE_BUDGET_EXCEEDED" /** the state space is larger than the budget: no verdict */
  // Data
  | "NOT_TOTAL" /** an exclusive split has no default branch and its conditions may all be false */
  | "EXPRESSION_SYNTAX" /** an expression does not parse */
  | "UNDEFINED_VARIABLE" /** an expression uses a variable that no path defines before it */
  | "MAYBE_UNDEFINED_VARIABLE"; /** an expression uses a variable that some path leaves undefined */

/** One firing in a counterexample, mapped back to the workflow. */
export type TraceStep = {
  /** Transition id in the net. */
  transition: string;
  label: string;
  nodeId?: string;
  /** Edges whose tokens this step consumed and produced. */
  consumed: string[];
  produced: string[];
};

export type Finding = {
  code: FindingCode;
  severity: "error" | "warning";
  message: string;
  nodeIds: string[];
  edgeIds: string[];
  trace?: TraceStep[];
};

export function finding(code: FindingCode, message: string, nodeIds: string[] = [], edgeIds: string[] = [], severity: "error" | "warning" = "error"): Finding {
  return { code, severity, message, nodeIds, edgeIds };
}
