"use client";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "../trpc/client";
import { useHydrated } from "../ui/use-hydrated";

export function SignOutButton() {
  const trpc = useTRPC();
  const hydrated = useHydrated();
  const signOut = useMutation(
    trpc.auth.signOut.mutationOptions({
      onSuccess: () => window.location.assign("/sign-out"),
    }),
  );
  return (
    <button type="button" className="button ghost" data-testid="sign-out" disabled={!hydrated || signOut.isPending} onClick={() => signOut.mutate()}>
      {signOut.isPending ? "Signing out…" : "Sign out"}
    </button>
  );
}
