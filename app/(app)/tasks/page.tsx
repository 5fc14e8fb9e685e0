import type { Metadata } from "next";
import { Inbox } from "../../../components/runs/inbox";
import { PageHeader } from "../../../components/ui/page-header";
import { requirePermission } from "../../_server/petrel";

export const metadata: Metadata = { title: "Tasks" };

export default async function TasksPage() {
  await requirePermission("run.operate");
  return (
    <section>
      <PageHeader title="Tasks" description="Approvals waiting for a decision." />
      <Inbox />
    </section>
  );
}
