import type { ServiceDeps } from "../deps";

export type WorkflowSummary = {
  id: string;
  slug: string;
  name: string;
  description: string;
  status: "draft" | "published" | "archived";
  owner: { id: string; name: string; email: string };
  nodeCount: number;
  updatedAt: Date;
};

/** Workflows, most recently changed first. */
export async function listWorkflows(deps: ServiceDeps): Promise<WorkflowSummary[]> {
  const rows = await deps.prisma.workflow.findMany({
    orderBy: { updatedAt: "desc" },
    include: { owner: { select: { id: true, name: true, email: true } } },
  });
  return rows.map((w) => ({
    id: w.id,
    slug: w.slug,
    name: w.name,
    description: w.description,
    status: w.status,
    owner: w.owner,
    nodeCount: Array.isArray((w.graph as { nodes?: unknown }).nodes) ? (w.graph as { nodes: unknown[] }).nodes.length : 0,
    updatedAt: w.updatedAt,
  }));
}
