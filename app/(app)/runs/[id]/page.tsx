import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { RunPage } from "../../../../components/runs/run-page";
import { can } from "../../../../lib/policy";
import type { WorkflowGraph } from "../../../../lib/workflow/schema";
import { api, requirePermission } from "../../../_server/petrel";

export const metadata: Metadata = { title: "Run" };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default async function RunDetailPage({ params }: { params: Promise<{ id: string }> }) {
  const viewer = await requirePermission("run.read");
  const { id } = await params;
  if (!UUID.test(id)) notFound();
  const caller = await api();
  let run: Awaited<ReturnType<typeof caller.run.get>>;
  try {
    run = await caller.run.get({ runId: id });
  } catch (error) {
    if ((error as { code?: string }).code === "NOT_FOUND") notFound();
    throw error;
  }
  const workflows = await caller.workflow.list();
  const name = workflows.find((w) => w.id === run.version.workflowId)?.name ?? "Workflow";
  return (
    <RunPage
      key={run.id}
      runId={run.id}
      workflowId={run.version.workflowId}
      workflowName={name}
      version={run.version.version}
      graph={run.version.graph as WorkflowGraph}
      createdAt={run.createdAt.toISOString()}
      mayOperate={can(viewer.role, "run.operate")}
    />
  );
}
