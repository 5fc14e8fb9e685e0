import type { Metadata } from "next";
import { Designer } from "../../../../components/designer/designer";
import { can } from "../../../../lib/policy";
import { api, loadOr404, requirePermission } from "../../../_server/petrel";

export const metadata: Metadata = { title: "Designer" };

export default async function WorkflowDesignerPage({ params }: { params: Promise<{ id: string }> }) {
  const viewer = await requirePermission("workflow.read");
  const { id } = await params;
  const caller = await api();
  const workflow = await loadOr404(id, (workflowId) => caller.workflow.get({ workflowId }));
  const plugins = await caller.workflow.plugins();
  return (
    <Designer
      key={workflow.id}
      meta={{
        workflowId: workflow.id,
        name: workflow.name,
        revision: workflow.revision,
        readOnly: !can(viewer.role, "workflow.write"),
        mayPublish: can(viewer.role, "workflow.publish"),
        mayForce: can(viewer.role, "workflow.publish.force"),
      }}
      graph={workflow.graph}
      plugins={plugins}
      versions={workflow.versions.map((v) => ({ version: v.version, createdAt: v.createdAt.toISOString(), createdBy: v.createdBy, sound: v.sound, hash: v.hash }))}
    />
  );
}
