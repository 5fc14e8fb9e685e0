import type { Metadata } from "next";
import { Suspense } from "react";
import { RunsList } from "../../../components/runs/runs-list";
import { PageHeader } from "../../../components/ui/page-header";
import { can } from "../../../lib/policy";
import { requirePermission } from "../../_server/petrel";

export const metadata: Metadata = { title: "Runs" };

export default async function RunsPage() {
  const viewer = await requirePermission("run.read");
  return (
    <section>
      <PageHeader title="Runs" description="Every run of a published workflow, live." />
      <Suspense>
        <RunsList mayStart={can(viewer.role, "run.operate")} />
      </Suspense>
    </section>
  );
}
