/**
 * Applying the retry and timeout policies of lib/workflow/policies.ts, and turning anything a
 * plugin throws into a Failure.
 */
import { RetryPolicySchema, TimeoutsSchema, type RetryPolicy, type Timeouts } from "../../lib/workflow/policies";
import type { Failure } from "./events";

export type { RetryPolicy, Timeouts };

export function retryPolicyOf(raw: unknown): RetryPolicy {
  return RetryPolicySchema.parse(raw ?? {});
}

export function timeoutsOf(raw: unknown): Timeouts {
  return TimeoutsSchema.parse(raw ?? {});
}

/** Delay before attempt `nextAttempt` (2, 3, …): initial × coefficient^(nextAttempt-2), capped. */
export function backoffMs(policy: RetryPolicy, nextAttempt: number): number {
  const raw = policy.initialIntervalMs * policy.backoffCoefficient ** Math.max(0, nextAttempt - 2);
  return Math.min(policy.maxIntervalMs, Math.round(raw));
}

/** Whether failed attempt number `attempt` may be retried under `policy`. */
export function shouldRetry(policy: RetryPolicy, failure: Failure, attempt: number): boolean {
  if (failure.nonRetryable) return false;
  if (policy.nonRetryableErrorTypes.includes(failure.type)) return false;
  return attempt < policy.maxAttempts;
}

/** Lease of one attempt: the heartbeat timeout when set, else start-to-close. */
export function leaseMs(t: Timeouts): number {
  return Math.min(t.startToCloseMs, t.heartbeatMs ?? Number.POSITIVE_INFINITY);
}

/** Turns anything thrown into a Failure, never losing what it was. */
export function toFailure(thrown: unknown): Failure {
  if (thrown instanceof Error) {
    const e = thrown as Error & { type?: unknown; nonRetryable?: unknown; details?: unknown };
    return {
      type: typeof e.type === "string" ? e.type : e.name || "Error",
      message: e.message,
      nonRetryable: e.nonRetryable === true,
      ...(e.details !== undefined ? { details: e.details } : {}),
    };
  }
  let shown: string;
  try {
    shown = typeof thrown === "string" ? thrown : (JSON.stringify(thrown) ?? String(thrown));
  } catch {
    shown = String(thrown);
  }
  return { type: "NonErrorThrown", message: `The plugin threw a non-Error value: ${shown.slice(0, 500)}`, nonRetryable: false, details: { valueType: thrown === null ? "null" : typeof thrown } };
}

/** A failure for plugins to throw: `throw new PluginFailure("HttpStatus", "…", { nonRetryable: true })`. */
export class PluginFailure extends Error {
  readonly type: string;
  readonly nonRetryable: boolean;
  readonly details: unknown;
  constructor(type: string, message: string, options: { nonRetryable?: boolean; details?: unknown; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "PluginFailure";
    this.type = type;
    this.nonRetryable = options.nonRetryable ?? false;
    this.details = options.details;
  }
}
