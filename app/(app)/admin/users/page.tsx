import type { Metadata } from "next";
import { UsersAdmin } from "../../../../components/admin/users";
import { PageHeader } from "../../../../components/ui/page-header";
import { requirePermission } from "../../../_server/petrel";

export const metadata: Metadata = { title: "People" };

export default async function UsersPage() {
  const me = await requirePermission("user.manage");
  return (
    <section>
      <PageHeader title="People" description="Who may sign in, and with which role. Changes are audited." />
      <UsersAdmin me={me.email} />
    </section>
  );
}
