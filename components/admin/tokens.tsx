"use client";
/** /admin/tokens: API tokens — scoped, optionally to one workflow, expiring; shown once; revocable. */
import "./admin.css";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { NOT_FOR_TOKENS, PERMISSIONS, POLICY, type Permission, type Role } from "../../lib/policy";
import { useTRPC } from "../trpc/client";
import { useHydrated } from "../ui/use-hydrated";

export function TokensAdmin({ role }: { role: Role }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const hydrated = useHydrated();
  const [all, setAll] = useState(false);
  const tokens = useQuery(trpc.token.list.queryOptions({ all }));
  const workflows = useQuery(trpc.workflow.list.queryOptions());
  const create = useMutation(trpc.token.create.mutationOptions());
  const revoke = useMutation(trpc.token.revoke.mutationOptions());
  const refresh = () => void queryClient.invalidateQueries({ queryKey: trpc.token.list.queryKey() });
  const grantable = (Object.keys(PERMISSIONS) as Permission[]).filter((p) => POLICY[role].has(p) && !NOT_FOR_TOKENS.has(p));
  const [form, setForm] = useState({ name: "", scopes: ["run.read"] as Permission[], workflowId: "", expiresInDays: "90" });
  const [shown, setShown] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  return (
    <div data-testid="tokens-admin">
      {shown && (
        <div className="notice token-once" role="status">
          Copy this token now; it is not shown again:
          <code data-testid="token-value">{shown}</code>
        </div>
      )}
      {error && <p className="error-text">{error}</p>}
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          setError(null);
          create.mutate(
            { name: form.name, scopes: form.scopes, workflowId: form.workflowId || null, ...(form.expiresInDays ? { expiresInDays: Number(form.expiresInDays) } : {}) },
            { onSuccess: (t) => (setShown(t.token), refresh()), onError: (err) => setError(err.message) },
          );
        }}
      >
        <label>
          Name <input required maxLength={100} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} data-testid="token-name" />
        </label>
        <fieldset className="scopes">
          <legend>Scopes</legend>
          {grantable.map((p) => (
            <label key={p} title={PERMISSIONS[p]}>
              <input type="checkbox" checked={form.scopes.includes(p)} onChange={(e) => setForm({ ...form, scopes: e.target.checked ? [...form.scopes, p] : form.scopes.filter((s) => s !== p) })} /> <code>{p}</code>
            </label>
          ))}
        </fieldset>
        <label>
          Only this workflow{" "}
          <select value={form.workflowId} onChange={(e) => setForm({ ...form, workflowId: e.target.value })}>
            <option value="">(any)</option>
            {workflows.data?.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Expires in days <input type="number" min={1} max={366} value={form.expiresInDays} onChange={(e) => setForm({ ...form, expiresInDays: e.target.value })} />
        </label>
        <button type="submit" className="button primary" disabled={!hydrated || create.isPending} data-testid="token-create">
          Create token
        </button>
      </form>

      {role === "admin" && (
        <label className="muted">
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> Everyone's tokens
        </label>
      )}
      <table className="table" data-testid="token-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Token</th>
            <th scope="col">Owner</th>
            <th scope="col">Scopes</th>
            <th scope="col">Expires</th>
            <th scope="col">Last used</th>
            <th scope="col" aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {tokens.data?.map((t) => (
            <tr key={t.id} data-testid="token-row">
              <td>{t.name}</td>
              <td>
                <code>{t.prefix}…</code>
              </td>
              <td>{t.user.email}</td>
              <td>{t.scopes.join(", ")}</td>
              <td>{t.expiresAt ? new Date(t.expiresAt).toLocaleDateString() : "never"}</td>
              <td>{t.lastUsedAt ? new Date(t.lastUsedAt).toLocaleString() : <span className="muted">never</span>}</td>
              <td>
                {t.revokedAt ? (
                  <span className="muted">revoked</span>
                ) : (
                  <button type="button" className="button small" disabled={!hydrated} onClick={() => revoke.mutate({ tokenId: t.id }, { onSuccess: refresh, onError: (err) => setError(err.message) })}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
