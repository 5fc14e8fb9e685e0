import type { Metadata } from "next";
import { can } from "../../../../lib/policy";
import { SecretsAdmin } from "../../../../components/admin/secrets";
import { PageHeader } from "../../../../components/ui/page-header";
import { requirePermission } from "../../../_server/petrel";

export const metadata: Metadata = { title: "Secrets" };

export default async function SecretsPage() {
  const me = await requirePermission("secret.read");
  return (
    <section>
      <PageHeader title="Secrets" description="Encrypted at rest; a value is never shown after it is saved." />
      <SecretsAdmin mayManage={can(me.role, "secret.manage")} />
    </section>
  );
}
