import { createHash } from "node:crypto";
import { z } from "zod";
import { AppError } from "../../../lib/errors";
import { can } from "../../../lib/policy";
import { compileWorkflow } from "../../../lib/petri/compile";
import { verifyWorkflow } from "../../../lib/petri/verify";
import { parseWorkflow, type WorkflowGraph } from "../../../lib/workflow/schema";
import { recordAudit } from "../audit";
import type { Actor, RequestMeta, ServiceDeps } from "../deps";

export const PublishWorkflowInputSchema = z.object({
  workflowId: z.string().uuid("must be a workflow id"),
  /** The graph to publish; default: the stored draft. */
  graph: z.unknown().optional(),
  /** Publish only if the draft is still at this revision (what the editor saved). */
  revision: z.number().int().positive().optional(),
  /** An admin may publish a workflow that is not proved sound, giving the reason (audited). */
  force: z.object({ reason: z.string().trim().min(10, "must say why, in at least 10 characters").max(1000) }).optional(),
});
export type PublishWorkflowInput = z.input<typeof PublishWorkflowInputSchema>;

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(",")}}`;
  return JSON.stringify(v);
}

/** Checks every task's plugin exists and its configuration fits the plugin's schema. */
export function pluginProblems(deps: ServiceDeps, graph: WorkflowGraph): Array<{ path: string; message: string }> {
  const out: Array<{ path: string; message: string }> = [];
  graph.nodes.forEach((n, i) => {
    const configs: Array<[string, unknown, string]> = [];
    if (n.kind === "task") configs.push([String(n.config?.type ?? ""), n.config ?? {}, `nodes.${i}.config`]);
    if (n.kind === "for-each") {
      const inner = (n.config?.task ?? { type: "noop" }) as Record<string, unknown>;
      configs.push([String(inner.type ?? ""), inner, `nodes.${i}.config.task`]);
    }
    for (const [type, config, path] of configs) {
      const plugin = deps.plugins.get(type);
      if (!plugin) {
        out.push({ path: `${path}.type`, message: `"${n.label ?? n.id}": no node-type plugin "${type}" is installed (installed: ${deps.plugins.list().map((p) => p.type).join(", ")})` });
        continue;
      }
      const r = plugin.configSchema.safeParse(config);
      if (!r.success) for (const issue of r.error.issues) out.push({ path: `${path}.${issue.path.join(".")}`, message: `"${n.label ?? n.id}": ${issue.message}` });
    }
  });
  return out;
}

/**
 * Publishes an immutable version: the graph, the net the verifier proved, and a content hash.
 * Refused unless the workflow is sound and passes every check, and every task's configuration
 * fits its plugin. Publishing an unchanged graph returns the existing version.
 */
export async function publishWorkflow(deps: ServiceDeps, actor: Actor, meta: RequestMeta, raw: PublishWorkflowInput) {
  const input = PublishWorkflowInputSchema.parse(raw);
  const workflow = await deps.prisma.workflow.findUnique({ where: { id: input.workflowId } });
  if (!workflow) throw new AppError("NOT_FOUND", { message: `There is no workflow ${input.workflowId}.` });
  if (input.revision !== undefined && input.revision !== workflow.revision) {
    throw new AppError("CONFLICT", { message: `The draft changed since this editor saved it (it is at revision ${workflow.revision}, not ${input.revision}). Reload before publishing.`, details: { revision: workflow.revision } });
  }
  if (input.force && (actor.type !== "user" || !can(actor.role, "workflow.publish.force"))) {
    throw new AppError("FORBIDDEN", { message: "Only an admin may publish a workflow that is not proved sound." });
  }
  const parsed = parseWorkflow(input.graph ?? workflow.graph);
  if (!parsed.ok) throw new AppError("INVALID_INPUT", { message: `The workflow is not valid: ${parsed.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`, details: { fields: parsed.issues } });
  const graph = parsed.graph;
  const result = verifyWorkflow(graph);
  const forced = !result.ok && !!input.force;
  if (!result.ok && !forced) {
    const errors = result.issues.filter((i) => i.severity === "error");
    throw new AppError("CONFLICT", {
      message: `The workflow cannot be published: ${result.sound === null ? "it could not be checked completely" : errors.map((e) => e.message).join(" ")}${actor.type === "user" && can(actor.role, "workflow.publish.force") ? " An admin may publish it anyway, giving a reason." : ""}`,
      details: { issues: result.issues },
    });
  }
  const plugins = pluginProblems(deps, graph);
  if (plugins.length) throw new AppError("INVALID_INPUT", { message: `Invalid step configuration: ${plugins.map((p) => p.message).join("; ")}`, details: { fields: plugins } });
  const { net } = compileWorkflow(graph);
  const hash = createHash("sha256").update(canonical(graph)).digest("hex");
  const now = deps.now();
  return deps.prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM workflows WHERE id = ${workflow.id}::uuid FOR UPDATE`;
    const latest = await tx.workflowVersion.findFirst({ where: { workflowId: workflow.id }, orderBy: { version: "desc" } });
    if (latest && latest.hash === hash) return { id: latest.id, version: latest.version, hash, created: false, sound: latest.sound, revision: workflow.revision };
    const version = (latest?.version ?? 0) + 1;
    const row = await tx.workflowVersion.create({
      data: { workflowId: workflow.id, version, graph: JSON.parse(JSON.stringify(graph)) as object, net: JSON.parse(JSON.stringify(net)) as object, hash, sound: result.ok, createdAt: now, createdById: actor.type === "user" ? actor.userId : null },
    });
    // Publishing a graph other than the stored draft makes it the draft (a new revision).
    const updated = await tx.workflow.update({
      where: { id: workflow.id },
      data: { status: "published", ...(input.graph !== undefined ? { graph: JSON.parse(JSON.stringify(graph)) as object, revision: { increment: 1 } } : {}) },
      select: { revision: true },
    });
    await recordAudit(
      tx,
      actor,
      meta,
      forced
        ? { action: "workflow.publish.forced", targetType: "workflow", targetId: workflow.id, after: { version, hash, reason: input.force!.reason, sound: result.sound, issues: result.issues.filter((i) => i.severity === "error").map((i) => i.message) } }
        : { action: "workflow.publish", targetType: "workflow", targetId: workflow.id, after: { version, hash } },
      now,
    );
    return { id: row.id, version, hash, created: true, sound: result.ok, revision: updated.revision };
  });
}
