"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { useTRPC } from "../trpc/client";
import { useHydrated } from "../ui/use-hydrated";

export function NewWorkflowButton() {
  const trpc = useTRPC();
  const router = useRouter();
  const hydrated = useHydrated();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const create = useMutation(
    trpc.workflow.create.mutationOptions({
      onSuccess: (w) => {
        setOpen(false);
        setName("");
        router.push(`/workflows/${w.id}`);
      },
    }),
  );
  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate({ name, description: "" });
  }
  if (!open) {
    return (
      <button type="button" className="button primary" data-testid="new-workflow" disabled={!hydrated} onClick={() => setOpen(true)}>
        New workflow
      </button>
    );
  }
  return (
    <form className="inline-form" onSubmit={submit} aria-label="New workflow">
      <label className="sr-only" htmlFor="new-workflow-name">
        Name
      </label>
      <input id="new-workflow-name" autoFocus value={name} onChange={(e) => setName(e.target.value)} placeholder="Workflow name" maxLength={120} required />
      <button type="submit" className="button primary" disabled={create.isPending}>
        Create
      </button>
      <button type="button" className="button ghost" onClick={() => setOpen(false)}>
        Cancel
      </button>
      {create.error ? (
        <p role="alert" className="error-text">
          {create.error.message}
        </p>
      ) : null}
    </form>
  );
}
