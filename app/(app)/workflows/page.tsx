import type { Metadata } from "next";
import Link from "next/link";
import { can } from "../../../lib/policy";
import { EmptyState } from "../../../components/ui/empty-state";
import { RelativeTime } from "../../../components/ui/relative-time";
import { NewWorkflowButton } from "../../../components/workflows/new-workflow-button";
import { PageHeader } from "../../../components/ui/page-header";
import { api, requirePermission } from "../../_server/petrel";

export const metadata: Metadata = { title: "Workflows" };

const STATUS_LABEL = { draft: "Draft", published: "Published", archived: "Archived" } as const;

export default async function WorkflowsPage() {
  const viewer = await requirePermission("workflow.read");
  const workflows = await (await api()).workflow.list();
  const mayCreate = can(viewer.role, "workflow.write");
  return (
    <section>
      <PageHeader title="Workflows" description="Draw a workflow, see it proved sound while you draw, publish it and run it." actions={mayCreate ? <NewWorkflowButton /> : null} />
      {workflows.length === 0 ? (
        <EmptyState title="No workflows yet" testId="workflows-empty">
          {mayCreate ? <p>Create one with “New workflow”, or import a BPMN file.</p> : <p>Nobody has shared a workflow with you yet. Ask an editor to create one.</p>}
        </EmptyState>
      ) : (
        <table className="table" data-testid="workflow-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Owner</th>
              <th scope="col">Last change</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">Steps</th>
            </tr>
          </thead>
          <tbody>
            {workflows.map((w) => (
              <tr key={w.id} data-testid="workflow-row" data-slug={w.slug}>
                <td>
                  <Link className="cell-title" href={`/workflows/${w.id}`} data-testid="workflow-link">
                    {w.name}
                  </Link>
                  {w.description ? <div className="cell-sub">{w.description}</div> : null}
                </td>
                <td title={w.owner.email}>{w.owner.name}</td>
                <td>
                  <RelativeTime iso={w.updatedAt.toISOString()} />
                </td>
                <td>
                  <span className={`status status-${w.status}`}>{STATUS_LABEL[w.status]}</span>
                </td>
                <td className="num">{w.nodeCount}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
