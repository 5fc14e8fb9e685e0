import type { Metadata } from "next";
import { RunPage } from "../../../../components/runs/run-page";
import { can } from "../../../../lib/policy";
import type { WorkflowGraph } from "../../../../lib/workflow/schema";
import { api, loadOr404, requirePermission } from "../../../_server/petrel";

export const metadata: Metadata = { title: "Run" };

export default async function RunDetailPage({ params }: { params: Promise<{ id: string }> }) {
  const viewer = await requirePermission("run.read");
  const { id } = await params;
  const caller = await api();
  const run = await loadOr404(id, (runId) => caller.run.get({ runId }));
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
