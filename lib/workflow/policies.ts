/**
 * Per-node execution policies, part of the workflow format: retry (Temporal's RetryPolicy is the
 * model) and timeouts. The engine reads them; the designer's inspector edits them.
 */
import { z } from "zod";

export const RetryPolicySchema = z.object({
  maxAttempts: z.number().int().min(1).max(1000).default(5),
  initialIntervalMs: z.number().int().min(0).max(86_400_000).default(1000),
  backoffCoefficient: z.number().min(1).max(100).default(2),
  maxIntervalMs: z.number().int().min(0).max(86_400_000).default(60_000),
  nonRetryableErrorTypes: z.array(z.string()).default([]),
});
/** A parsed {@link RetryPolicySchema}. */
export type RetryPolicy = z.infer<typeof RetryPolicySchema>;

export const TimeoutsSchema = z.object({
  /** How long one attempt may run (the lease). */
  startToCloseMs: z.number().int().min(100).max(86_400_000).default(60_000),
  /** How long from first scheduling until the task must be done, across attempts. */
  scheduleToCloseMs: z.number().int().min(100).max(30 * 86_400_000).optional(),
  /** A running attempt must heartbeat at least this often, or its lease lapses. */
  heartbeatMs: z.number().int().min(100).max(86_400_000).optional(),
});
/** A parsed {@link TimeoutsSchema}. */
export type Timeouts = z.infer<typeof TimeoutsSchema>;
