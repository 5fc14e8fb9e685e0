import type { Metadata } from "next";
import Link from "next/link";

export const metadata: Metadata = { title: "Signed out" };

export default function SignedOut() {
  return (
    <div className="center-page" data-testid="signed-out">
      <h1>You are signed out</h1>
      <p className="muted">Your session has ended on this device.</p>
      <Link className="button primary" href="/sign-in">
        Sign in again
      </Link>
    </div>
  );
}
