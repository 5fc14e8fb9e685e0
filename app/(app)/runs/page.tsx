import type { Metadata } from "next";
import { EmptyState } from "../../../components/ui/empty-state";
import { requirePermission } from "../../_server/petrel";

export const metadata: Metadata = { title: "Runs" };

export default async function RunsPage() {
  await requirePermission("run.read");
  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Runs</h1>
          <p className="muted">Every run of a published workflow, live.</p>
        </div>
      </div>
      <EmptyState title="No runs yet" testId="runs-empty">
        <p>Publish a workflow and start it; its runs appear here and update as they happen.</p>
      </EmptyState>
    </section>
  );
}
