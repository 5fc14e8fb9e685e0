/**
 * Petrel's expression language is FEEL (the DMN/BPMN standard, as in Camunda), parsed and
 * evaluated by the `feelin` library. This module reads expressions for the checks: syntax and
 * the variables they use.
 *
 * @example
 * analyseExpression("amount > 500 and customer.tier = \"gold\"")
 * // { ok: true, variables: ["amount", "customer"] }
 */
import { parseExpression } from "feelin";

export type ExpressionAnalysis =
  | { ok: true; variables: string[] }
  | { ok: false; message: string; column: number };

const cache = new Map<string, ExpressionAnalysis>();
const CACHE_LIMIT = 5000;

/** Parses `source` as a FEEL expression; lists the root variables it reads. Results are cached. */
export function analyseExpression(source: string): ExpressionAnalysis {
  const hit = cache.get(source);
  if (hit) return hit;
  const result = analyse(source);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(source, result);
  return result;
}

function analyse(source: string): ExpressionAnalysis {
  const text = source.startsWith("=") ? source.slice(1) : source;
  if (text.trim() === "") return { ok: false, message: "is empty", column: 1 };
  let tree: ReturnType<typeof parseExpression>;
  try {
    tree = parseExpression(text, {}, undefined);
  } catch (error) {
    return { ok: false, message: (error as Error).message, column: 1 };
  }
  let errorAt = -1;
  const variables = new Set<string>();
  const bound = new Set<string>();
  tree.iterate({
    enter(node) {
      if (node.type.isError && errorAt < 0) errorAt = node.from;
      if (node.name === "Name" && node.node.parent?.name === "InExpression") bound.add(text.slice(node.from, node.to));
      if (node.name === "VariableName") {
        const parent = node.node.parent;
        // The callee of a function call is a function name, not a variable.
        if (parent?.name === "FunctionInvocation" && parent.firstChild?.from === node.from) return;
        variables.add(text.slice(node.from, node.to));
      }
    },
  });
  if (errorAt >= 0) {
    const near = text.slice(Math.max(0, errorAt - 10), errorAt + 10);
    return { ok: false, message: `syntax error at column ${errorAt + 1} (near "${near}")`, column: errorAt + 1 };
  }
  return { ok: true, variables: [...variables].filter((v) => !bound.has(v)) };
}

type Interval = { lo: number; loIn: boolean; hi: number; hiIn: boolean };

/**
 * Whether the conditions together cover every value: true only when it can be shown — a literal
 * `true`, or comparisons of one variable with numbers whose ranges cover the whole number line
 * (e.g. `amount > 500` and `amount <= 500`). Anything else is not provably total.
 */
export function provablyTotal(conditions: string[]): boolean {
  const intervals: Interval[] = [];
  let variable: string | undefined;
  for (const raw of conditions) {
    const text = (raw.startsWith("=") ? raw.slice(1) : raw).trim();
    if (text === "true") return true;
    const m = /^([A-Za-z_][A-Za-z0-9_.]*)\s*(<=|>=|<|>|=|!=)\s*(-?\d+(?:\.\d+)?)$/.exec(text) ?? /^(-?\d+(?:\.\d+)?)\s*(<=|>=|<|>|=|!=)\s*([A-Za-z_][A-Za-z0-9_.]*)$/.exec(text);
    if (!m) return false;
    let [, a, op, b] = m as unknown as [string, string, string, string];
    if (/^-?\d/.test(a)) {
      [a, b] = [b, a];
      op = ({ "<": ">", ">": "<", "<=": ">=", ">=": "<=", "=": "=", "!=": "!=" } as Record<string, string>)[op]!;
    }
    if (variable !== undefined && variable !== a) return false;
    variable = a;
    const n = Number(b);
    switch (op) {
      case "<": intervals.push({ lo: -Infinity, loIn: false, hi: n, hiIn: false }); break;
      case "<=": intervals.push({ lo: -Infinity, loIn: false, hi: n, hiIn: true }); break;
      case ">": intervals.push({ lo: n, loIn: false, hi: Infinity, hiIn: false }); break;
      case ">=": intervals.push({ lo: n, loIn: true, hi: Infinity, hiIn: false }); break;
      case "=": intervals.push({ lo: n, loIn: true, hi: n, hiIn: true }); break;
      case "!=": intervals.push({ lo: -Infinity, loIn: false, hi: n, hiIn: false }, { lo: n, loIn: false, hi: Infinity, hiIn: false }); break;
    }
  }
  if (!intervals.length) return false;
  intervals.sort((x, y) => x.lo - y.lo || (x.loIn === y.loIn ? 0 : x.loIn ? -1 : 1));
  // Sweep from -Infinity: each interval must start at or before the covered frontier.
  let hi = -Infinity;
  let hiIn = false;
  let started = false;
  for (const iv of intervals) {
    if (!started) {
      if (iv.lo !== -Infinity) return false;
      started = true;
      hi = iv.hi;
      hiIn = iv.hiIn;
      continue;
    }
    const touches = iv.lo < hi || (iv.lo === hi && (hiIn || iv.loIn));
    if (!touches) return false;
    if (iv.hi > hi) {
      hi = iv.hi;
      hiIn = iv.hiIn;
    } else if (iv.hi === hi) {
      hiIn = hiIn || iv.hiIn;
    }
  }
  return hi === Infinity;
}
