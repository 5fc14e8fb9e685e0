"use client";
/** Who may see and use this workflow: visibility and per-person grants (owners and admins change them). */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { GRANTS, type Grant } from "../../lib/policy";
import { useTRPC } from "../trpc/client";

export function SharingPanel({ workflowId, mayShare }: { workflowId: string; mayShare: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const sharing = useQuery(trpc.workflow.sharing.queryOptions({ workflowId }));
  const refresh = () => void queryClient.invalidateQueries({ queryKey: trpc.workflow.sharing.queryKey({ workflowId }) });
  const setVisibility = useMutation(trpc.workflow.setVisibility.mutationOptions());
  const setGrant = useMutation(trpc.workflow.setGrant.mutationOptions());
  const [email, setEmail] = useState("");
  const [grant, setGrantLevel] = useState<Grant>("runner");
  const [error, setError] = useState<string | null>(null);
  const router = useRouter();
  const remove = useMutation(trpc.workflow.delete.mutationOptions());
  const onError = (e: { message: string }) => setError(e.message);
  const w = sharing.data;
  return (
    <aside className="side-panel sharing-panel" aria-label="Sharing" data-testid="sharing-panel">
      <h2>Sharing</h2>
      {sharing.error && <p className="error-text">{sharing.error.message}</p>}
      {w && (
        <>
          <label>
            Visibility{" "}
            <select
              value={w.visibility}
              disabled={!mayShare || setVisibility.isPending}
              onChange={(e) => setVisibility.mutate({ workflowId, visibility: e.target.value as "organization" | "restricted" }, { onSuccess: refresh, onError })}
              data-testid="visibility"
            >
              <option value="organization">Everyone, by their role</option>
              <option value="restricted">Only the owner, admins and people below</option>
            </select>
          </label>
          <p className="muted">Owner: {w.owner.email}</p>
          <ul className="grant-list">
            {w.grants.map((g) => (
              <li key={g.user.id}>
                {g.user.email} — <strong>{g.level}</strong>
                {mayShare && (
                  <button type="button" className="link-button" onClick={() => setGrant.mutate({ workflowId, email: g.user.email, grant: null }, { onSuccess: refresh, onError })}>
                    remove
                  </button>
                )}
              </li>
            ))}
            {w.grants.length === 0 && <li className="muted">No grants.</li>}
          </ul>
          {mayShare && (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                setError(null);
                setGrant.mutate({ workflowId, email, grant }, { onSuccess: () => (setEmail(""), refresh()), onError });
              }}
            >
              <input type="email" required placeholder="person@example.com" value={email} onChange={(e) => setEmail(e.target.value)} aria-label="Email" />
              <select value={grant} onChange={(e) => setGrantLevel(e.target.value as Grant)} aria-label="Grant">
                {GRANTS.map((g) => (
                  <option key={g}>{g}</option>
                ))}
              </select>
              <button type="submit" className="button small primary" disabled={setGrant.isPending}>
                Grant
              </button>
            </form>
          )}
          {error && <p className="error-text">{error}</p>}
          <p className="muted">You may: {w.yours.join(", ") || "nothing here"}.</p>
          {w.yours.includes("workflow.delete") && (
            <button
              type="button"
              className="button small danger"
              disabled={remove.isPending}
              onClick={() => {
                if (!window.confirm("Delete this workflow? It leaves every list and starts no new runs; its versions, runs and history stay.")) return;
                remove.mutate({ workflowId }, { onSuccess: () => router.push("/workflows"), onError });
              }}
              data-testid="delete-workflow"
            >
              Delete workflow
            </button>
          )}
        </>
      )}
    </aside>
  );
}
