import type { Metadata } from "next";
import { EmptyState } from "../../../components/ui/empty-state";
import { PageHeader } from "../../../components/ui/page-header";
import { requirePermission } from "../../_server/petrel";

export const metadata: Metadata = { title: "Runs" };

export default async function RunsPage() {
  await requirePermission("run.read");
  return (
    <section>
      <PageHeader title="Runs" description="Every run of a published workflow, live." />
      <EmptyState title="No runs yet" testId="runs-empty">
        <p>Publish a workflow and start it; its runs appear here and update as they happen.</p>
      </EmptyState>
    </section>
  );
}
