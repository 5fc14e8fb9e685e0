import type { Principal } from "../../../lib/policy";
import { usableWorkflows } from "../access/workflow-access";
import type { ServiceDeps } from "../deps";

export type WorkflowSummary = {
  id: string;
  slug: string;
  name: string;
  description: string;
  status: "draft" | "published" | "archived";
  visibility: "organization" | "restricted";
  owner: { id: string; name: string; email: string };
  nodeCount: number;
  updatedAt: Date;
};

/** Workflows (those `principal` may see, when given), most recently changed first. */
export async function listWorkflows(deps: ServiceDeps, principal?: Principal): Promise<WorkflowSummary[]> {
  const rows = await deps.prisma.workflow.findMany({
    where: { AND: [{ status: { not: "archived" } }, principal ? usableWorkflows(principal, "workflow.read") : {}] },
    orderBy: { updatedAt: "desc" },
    include: { owner: { select: { id: true, name: true, email: true } } },
  });
  return rows.map((w) => ({
    id: w.id,
    slug: w.slug,
    name: w.name,
    description: w.description,
    status: w.status,
    visibility: w.visibility,
    owner: w.owner,
    nodeCount: Array.isArray((w.graph as { nodes?: unknown }).nodes) ? (w.graph as { nodes: unknown[] }).nodes.length : 0,
    updatedAt: w.updatedAt,
  }));
}
