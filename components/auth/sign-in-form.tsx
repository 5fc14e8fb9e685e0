"use client";
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC } from "../trpc/client";
import { useHydrated } from "../ui/use-hydrated";

export function SignInForm({ next }: { next: string }) {
  const trpc = useTRPC();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const hydrated = useHydrated();
  const signIn = useMutation(trpc.auth.signIn.mutationOptions({ onSuccess: () => window.location.assign(next) }));

  function submit(e: FormEvent) {
    e.preventDefault();
    signIn.mutate({ email, password });
  }

  return (
    <form onSubmit={submit} method="post" className="form" aria-label="Sign in" data-testid="sign-in-form">
      <label htmlFor="email">Email</label>
      <input id="email" name="email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
      <label htmlFor="password">Password</label>
      <input id="password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
      {signIn.error ? (
        <p role="alert" className="error-text" data-testid="sign-in-error">
          {signIn.error.message}
        </p>
      ) : null}
      <button type="submit" className="button primary wide" disabled={!hydrated || signIn.isPending} data-testid="sign-in-submit">
        {signIn.isPending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
