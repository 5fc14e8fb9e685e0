"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";

export function AdminTabs({ tabs }: { tabs: Array<{ href: string; label: string }> }) {
  const pathname = usePathname();
  return (
    <nav className="admin-tabs" aria-label="Admin">
      {tabs.map((t) => (
        <Link key={t.href} href={t.href} aria-current={pathname === t.href ? "page" : undefined} data-testid={`admin-tab-${t.label.toLowerCase().replace(/\s+/g, "-")}`}>
          {t.label}
        </Link>
      ))}
    </nav>
  );
}
