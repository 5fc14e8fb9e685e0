import type { ReactNode } from "react";
import { AppHeader } from "../../components/shell/app-header";
import { requireViewer } from "../_server/petrel";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: ReactNode }) {
  const viewer = await requireViewer();
  return (
    <div className="shell">
      <AppHeader user={viewer} />
      <main className="main">{children}</main>
    </div>
  );
}
