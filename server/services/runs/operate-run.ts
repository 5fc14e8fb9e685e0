/** Operator actions on a run — signal, cancel, pause, resume — each audited in the engine's transaction. */
import { z } from "zod";
import { AppError } from "../../../lib/errors";
import { cancelRun as engineCancel, pauseRun as enginePause, reopenRun, rerunState, resumeRun as engineResume, signalRun as engineSignal, startRun as engineStart } from "../../engine/engine";
import { loadVersion } from "../../engine/version-cache";
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

export const RetryRunInputSchema = RunIdSchema.extend({ reason: z.string().max(500).default("retried by an operator") });

/** Retries a failed run from the step that failed (the same run goes on). */
export async function retryRun(deps: ServiceDeps, actor: Actor, meta: RequestMeta, input: z.input<typeof RetryRunInputSchema>) {
  const args = RetryRunInputSchema.parse(input);
  return reopenRun(deps, args.runId, args.reason, (tx, runId) => recordAudit(tx, actor, meta, { action: "run.retry", targetType: "run", targetId: runId, after: { reason: args.reason } }, deps.now()));
}

export const RerunInputSchema = z.object({
  runId: z.string().uuid("must be a run id"),
  nodeId: z.string().min(1, "must name a step").max(64),
  /** Which version the new run uses: the run's own, or the workflow's latest (after a fix). */
  version: z.enum(["same", "latest"], { error: "must be same or latest" }).default("latest"),
});

/** Re-runs from a chosen step: a new run that starts with the state the old one had just before that step. */
export async function rerunFrom(deps: ServiceDeps, actor: Actor, meta: RequestMeta, input: z.input<typeof RerunInputSchema>) {
  const args = RerunInputSchema.parse(input);
  const old = await deps.prisma.run.findUnique({ where: { id: args.runId }, select: { versionId: true, workflowId: true, input: true } });
  if (!old) throw new AppError("NOT_FOUND", { message: `There is no run ${args.runId}.` });
  const target =
    args.version === "same"
      ? { id: old.versionId }
      : await deps.prisma.workflowVersion.findFirst({ where: { workflowId: old.workflowId }, orderBy: { version: "desc" }, select: { id: true } });
  if (!target) throw new AppError("NOT_FOUND", { message: "The workflow has no published version." });
  const version = await loadVersion(deps.prisma, target.id);
  if (!version.nodes.has(args.nodeId)) throw new AppError("INVALID_INPUT", { message: `Version ${version.version} has no step "${args.nodeId}".`, details: { fields: [{ path: "nodeId", message: "is not a step of that version" }] } });
  const from = await rerunState(deps.prisma, args.runId, args.nodeId, version);
  const runId = await engineStart(
    deps,
    { versionId: version.id, input: (old.input ?? {}) as Record<string, unknown>, startedById: actor.type === "user" ? actor.userId : null, from: { ...from, rerunOf: { runId: args.runId, nodeId: args.nodeId } } },
    (tx, id) => recordAudit(tx, actor, meta, { action: "run.rerun", targetType: "run", targetId: id, after: { rerunOf: args.runId, fromNode: args.nodeId, version: version.version } }, deps.now()),
  );
  return { runId, version: version.version };
}
