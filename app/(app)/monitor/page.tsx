import type { Metadata } from "next";
import { EmptyState } from "../../../components/ui/empty-state";
import { PageHeader } from "../../../components/ui/page-header";
import { requirePermission } from "../../_server/petrel";

export const metadata: Metadata = { title: "Monitor" };

export default async function MonitorPage() {
  await requirePermission("monitor.read");
  return (
    <section>
      <PageHeader title="Monitor" description="Throughput, failures and bottlenecks across all runs." />
      <EmptyState title="Nothing to chart yet" testId="monitor-empty">
        <p>Charts appear once workflows have run. Start a run from a published workflow to see it here.</p>
      </EmptyState>
    </section>
  );
}
