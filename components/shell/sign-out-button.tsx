"use client";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "../trpc/client";

export function SignOutButton() {
  const trpc = useTRPC();
  const signOut = useMutation(
    trpc.auth.signOut.mutationOptions({
      onSuccess: () => window.location.assign("/sign-out"),
    }),
  );
  return (
    <button type="button" className="button ghost" data-testid="sign-out" disabled={signOut.isPending} onClick={() => signOut.mutate()}>
      {signOut.isPending ? "Signing out…" : "Sign out"}
    </button>
  );
}
