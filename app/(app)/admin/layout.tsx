import type { ReactNode } from "react";
import { can } from "../../../lib/policy";
import { AdminTabs } from "../../../components/admin/admin-tabs";
import { requireViewer } from "../../_server/petrel";

/** The admin area's tabs; each page checks its own permission. */
export default async function AdminLayout({ children }: { children: ReactNode }) {
  const me = await requireViewer();
  const tabs = [
    ...(can(me.role, "user.read") ? [{ href: "/admin/users", label: "Users" }] : []),
    ...(can(me.role, "audit.read") ? [{ href: "/admin/audit", label: "Audit log" }] : []),
    ...(can(me.role, "token.manage") ? [{ href: "/admin/tokens", label: "API tokens" }] : []),
    ...(can(me.role, "secret.read") ? [{ href: "/admin/secrets", label: "Secrets" }] : []),
  ];
  return (
    <>
      <AdminTabs tabs={tabs} />
      {children}
    </>
  );
}
