import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { Designer } from "../../../../components/designer/designer";
import { can } from "../../../../lib/policy";
import { api, requirePermission } from "../../../_server/petrel";

export const metadata: Metadata = { title: "Designer" };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default async function WorkflowDesignerPage({ params }: { params: Promise<{ id: string }> }) {
  const viewer = await requirePermission("workflow.read");
  const { id } = await params;
  if (!UUID.test(id)) notFound();
  const caller = await api();
  let workflow: Awaited<ReturnType<typeof caller.workflow.get>>;
  try {
    workflow = await caller.workflow.get({ workflowId: id });
  } catch (error) {
    if ((error as { code?: string }).code === "NOT_FOUND") notFound();
    throw error;
  }
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
