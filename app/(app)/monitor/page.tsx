import type { Metadata } from "next";
import { EmptyState } from "../../../components/ui/empty-state";
import { requirePermission } from "../../_server/petrel";

export const metadata: Metadata = { title: "Monitor" };

export default async function MonitorPage() {
  await requirePermission("monitor.read");
  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Monitor</h1>
          <p className="muted">Throughput, failures and bottlenecks across all runs.</p>
        </div>
      </div>
      <EmptyState title="Nothing to chart yet" testId="monitor-empty">
        <p>Charts appear once workflows have run. Start a run from a published workflow to see it here.</p>
      </EmptyState>
    </section>
  );
}
