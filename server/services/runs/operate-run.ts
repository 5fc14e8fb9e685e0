/** Operator actions on a run — signal, cancel, pause, resume — each audited in the engine's transaction. */
import { z } from "zod";
import { cancelRun as engineCancel, pauseRun as enginePause, resumeRun as engineResume, signalRun as engineSignal } from "../../engine/engine";
import { recordAudit } from "../audit";
import type { Actor, RequestMeta, ServiceDeps } from "../deps";

export const RunIdSchema = z.object({ runId: z.string().uuid("must be a run id") });

export const SignalRunInputSchema = z.object({
  runId: z.string().uuid("must be a run id"),
  name: z.string().min(1, "must not be empty").max(200),
  payload: z.record(z.string(), z.unknown()).default({}).refine((p) => JSON.stringify(p).length <= 64 * 1024, "must be at most 64 KiB of JSON"),
});

export const DecideInputSchema = z.object({
  runId: z.string().uuid("must be a run id"),
  nodeId: z.string().min(1),
  decision: z.enum(["approve", "reject"], { error: "must be approve or reject" }),
  comment: z.string().max(2000).optional(),
});

export const CancelRunInputSchema = RunIdSchema.extend({ reason: z.string().max(500).default("cancelled by an operator") });

const audit = (deps: ServiceDeps, actor: Actor, meta: RequestMeta, action: string, after?: unknown) => (tx: Parameters<typeof recordAudit>[0], runId: string) =>
  recordAudit(tx, actor, meta, { action, targetType: "run", targetId: runId, after }, deps.now());

export function signalRun(deps: ServiceDeps, actor: Actor, meta: RequestMeta, input: z.input<typeof SignalRunInputSchema>) {
  const args = SignalRunInputSchema.parse(input);
  return engineSignal(deps, { runId: args.runId, name: args.name, payload: args.payload }, audit(deps, actor, meta, "run.signal", { name: args.name }));
}

/** An approval decision on a human task: a signal named `approval:<nodeId>`. */
export function decideApproval(deps: ServiceDeps, actor: Actor, meta: RequestMeta, input: z.input<typeof DecideInputSchema>) {
  const args = DecideInputSchema.parse(input);
  const by = actor.type === "user" ? actor.email : "system";
  return engineSignal(
    deps,
    { runId: args.runId, name: `approval:${args.nodeId}`, payload: { decision: args.decision, comment: args.comment ?? null, by } },
    audit(deps, actor, meta, "run.approval", { nodeId: args.nodeId, decision: args.decision, comment: args.comment ?? null }),
  );
}

export function cancelRun(deps: ServiceDeps, actor: Actor, meta: RequestMeta, input: z.input<typeof CancelRunInputSchema>) {
  const args = CancelRunInputSchema.parse(input);
  return engineCancel(deps, args.runId, args.reason, audit(deps, actor, meta, "run.cancel", { reason: args.reason }));
}

export function pauseRun(deps: ServiceDeps, actor: Actor, meta: RequestMeta, runId: string) {
  return enginePause(deps, runId, undefined, audit(deps, actor, meta, "run.pause"));
}

export function resumeRun(deps: ServiceDeps, actor: Actor, meta: RequestMeta, runId: string) {
  return engineResume(deps, runId, audit(deps, actor, meta, "run.resume"));
}
