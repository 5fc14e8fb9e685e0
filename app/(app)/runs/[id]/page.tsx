import type { Metadata } from "next";
import { RunPage } from "../../../../components/runs/run-page";
import type { WorkflowGraph } from "../../../../lib/workflow/schema";
import { api, loadOr404, requirePermission } from "../../../_server/petrel";

export const metadata: Metadata = { title: "Run" };

export default async function RunDetailPage({ params }: { params: Promise<{ id: string }> }) {
  await requirePermission("run.read");
  const { id } = await params;
  const caller = await api();
  const run = await loadOr404(id, (runId) => caller.run.get({ runId }));
  const [workflows, sharing] = await Promise.all([caller.workflow.list(), caller.workflow.sharing({ workflowId: run.version.workflowId })]);
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
      mayOperate={sharing.yours.includes("run.operate")}
    />
  );
}
