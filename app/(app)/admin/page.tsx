import type { Metadata } from "next";
import { RelativeTime } from "../../../components/ui/relative-time";
import { PageHeader } from "../../../components/ui/page-header";
import { api, requirePermission } from "../../_server/petrel";

export const metadata: Metadata = { title: "Admin" };

export default async function AdminPage() {
  await requirePermission("admin.access");
  const users = await (await api()).user.list();
  return (
    <section>
      <PageHeader title="Admin" description="People and their roles." />
      <table className="table" data-testid="user-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Last sign-in</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id}>
              <td>{u.name}</td>
              <td>{u.email}</td>
              <td>
                <span className={`role-badge role-${u.role}`}>{u.role}</span>
              </td>
              <td>{u.lastSignInAt ? <RelativeTime iso={u.lastSignInAt.toISOString()} /> : <span className="muted">never</span>}</td>
              <td>{u.disabled ? "Disabled" : "Active"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
