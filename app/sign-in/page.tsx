import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm } from "../../components/auth/sign-in-form";
import { api } from "../_server/petrel";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

function safeNext(value: string | string[] | undefined): string {
  const v = Array.isArray(value) ? value[0] : value;
  // Only same-site paths: never an open redirect.
  return v && v.startsWith("/") && !v.startsWith("//") ? v : "/workflows";
}

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const next = safeNext((await searchParams).next);
  if (await (await api()).auth.me()) redirect(next);
  return (
    <div className="center-page">
      <div className="card sign-in">
        <div className="brand big">Petrel</div>
        <h1>Sign in</h1>
        <SignInForm next={next} />
      </div>
    </div>
  );
}
