import type { Metadata } from "next";
import { TokensAdmin } from "../../../../components/admin/tokens";
import { PageHeader } from "../../../../components/ui/page-header";
import { requirePermission } from "../../../_server/petrel";

export const metadata: Metadata = { title: "API tokens" };

export default async function TokensPage() {
  const me = await requirePermission("token.manage");
  return (
    <section>
      <PageHeader title="API tokens" description="Tokens let programs call Petrel's API as you, limited to the scopes you choose." />
      <TokensAdmin role={me.role} />
    </section>
  );
}
