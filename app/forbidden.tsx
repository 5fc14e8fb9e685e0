import Link from "next/link";

export default function Forbidden() {
  return (
    <div className="center-page" data-testid="forbidden">
      <p className="code">403</p>
      <h1>You may not open this page</h1>
      <p className="muted">Your role does not include access to it. Ask an admin if you need it.</p>
      <Link className="button" href="/workflows">
        Back to workflows
      </Link>
    </div>
  );
}
