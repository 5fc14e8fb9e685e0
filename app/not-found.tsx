import Link from "next/link";

export default function NotFound() {
  return (
    <div className="center-page" data-testid="not-found">
      <p className="code">404</p>
      <h1>There is nothing here</h1>
      <p className="muted">The address may be mistyped, or what it pointed to was removed.</p>
      <Link className="button" href="/workflows">
        Back to workflows
      </Link>
    </div>
  );
}
