import type { Metadata } from "next";
import { Suspense } from "react";
import { AuditLog } from "../../../../components/admin/audit-log";
import { PageHeader } from "../../../../components/ui/page-header";
import { requirePermission } from "../../../_server/petrel";

export const metadata: Metadata = { title: "Audit log" };

export default async function AuditPage() {
  await requirePermission("audit.read");
  return (
    <section>
      <PageHeader title="Audit log" description="Every change, who made it and from where; rows are hash-chained and cannot be edited." />
      <Suspense>
        <AuditLog />
      </Suspense>
    </section>
  );
}
