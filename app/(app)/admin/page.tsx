import { redirect } from "next/navigation";
import { requirePermission } from "../../_server/petrel";

export default async function AdminPage() {
  await requirePermission("admin.access");
  redirect("/admin/users");
}
