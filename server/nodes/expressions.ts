/** FEEL expressions (the feelin library) evaluated against a run's variables. */
import { evaluate } from "feelin";
import { PluginFailure } from "../engine/policy";

/** Evaluates a FEEL expression (a leading "=" is allowed) against the variables. */
export function evaluateExpression(expression: string, variables: Record<string, unknown>): unknown {
  const text = expression.startsWith("=") ? expression.slice(1) : expression;
  try {
    return evaluate(text, variables).value;
  } catch (error) {
    throw new PluginFailure("ExpressionError", `The expression "${text}" failed: ${(error as Error).message}`, { nonRetryable: true });
  }
}

/** Resolves "=…" strings in a config value against the variables, recursively. */
export function resolveValue(value: unknown, variables: Record<string, unknown>): unknown {
  if (typeof value === "string" && value.startsWith("=")) return evaluateExpression(value, variables);
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, variables));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveValue(v, variables)]));
  return value;
}

