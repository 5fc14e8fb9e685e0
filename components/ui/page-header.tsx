import type { ReactNode } from "react";

/** The title row of a page: heading, one line of description, and actions on the right. */
export function PageHeader({ title, description, actions }: { title: string; description: string; actions?: ReactNode }) {
  return (
    <div className="page-head">
      <div>
        <h1>{title}</h1>
        <p className="muted">{description}</p>
      </div>
      {actions}
    </div>
  );
}
