import type { Metadata } from "next";
import { Designer } from "../../../../components/designer/designer";
import type { Permission } from "../../../../lib/policy";
import { api, loadOr404, requirePermission } from "../../../_server/petrel";

export const metadata: Metadata = { title: "Designer" };

export default async function WorkflowDesignerPage({ params }: { params: Promise<{ id: string }> }) {
  await requirePermission("workflow.read");
  const { id } = await params;
  const caller = await api();
  const workflow = await loadOr404(id, (workflowId) => caller.workflow.get({ workflowId }));
  const [plugins, sharing] = await Promise.all([caller.workflow.plugins(), caller.workflow.sharing({ workflowId: workflow.id })]);
  const may = (p: Permission) => sharing.yours.includes(p);
  return (
    <Designer
      key={workflow.id}
      meta={{
        workflowId: workflow.id,
        name: workflow.name,
        revision: workflow.revision,
        readOnly: !may("workflow.write"),
        mayPublish: may("workflow.publish"),
        mayForce: may("workflow.publish.force"),
        mayShare: may("workflow.share"),
      }}
      graph={workflow.graph}
      plugins={plugins}
      versions={workflow.versions.map((v) => ({ version: v.version, createdAt: v.createdAt.toISOString(), createdBy: v.createdBy, sound: v.sound, hash: v.hash }))}
    />
  );
}
