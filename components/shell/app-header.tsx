import Link from "next/link";
import { can, type Role } from "../../lib/policy";
import { LiveIndicator } from "./live-indicator";
import { NavLinks, type NavItem } from "./nav-links";
import { SignOutButton } from "./sign-out-button";

export function AppHeader({ user }: { user: { name: string; email: string; role: Role } }) {
  const items: NavItem[] = [
    { href: "/workflows", label: "Workflows" },
    { href: "/runs", label: "Runs" },
    ...(can(user.role, "run.operate") ? [{ href: "/tasks", label: "Tasks" }] : []),
    { href: "/monitor", label: "Monitor" },
  ];
  if (can(user.role, "admin.access")) items.push({ href: "/admin", label: "Admin" });
  // Everyone else still has their API tokens (and, for editors, the secrets' names) under /admin.
  else if (can(user.role, "token.manage")) items.push({ href: "/admin/tokens", label: "Settings" });
  return (
    <header className="app-header">
      <Link href="/workflows" className="brand" aria-label="Petrel home">
        <svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true">
          <circle cx="5" cy="12" r="3" fill="currentColor" />
          <rect x="10" y="8" width="8" height="8" rx="2" fill="none" stroke="currentColor" strokeWidth="2" />
          <path d="M8 12h2M18 12h3" stroke="currentColor" strokeWidth="2" />
        </svg>
        Petrel
      </Link>
      <NavLinks items={items} />
      <div className="header-right">
        <LiveIndicator />
        <span className="user" data-testid="current-user">
          <span className="user-name">{user.name}</span>
          <span className="user-email">{user.email}</span>
        </span>
        <span className={`role-badge role-${user.role}`} data-testid="current-role">
          {user.role}
        </span>
        <SignOutButton />
      </div>
    </header>
  );
}
