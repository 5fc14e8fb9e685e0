"use client";
/** /admin/secrets: named secrets, encrypted at rest; values are written, never shown again. */
import "./admin.css";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../trpc/client";
import { useHydrated } from "../ui/use-hydrated";

export function SecretsAdmin({ mayManage }: { mayManage: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const hydrated = useHydrated();
  const secrets = useQuery(trpc.secret.list.queryOptions());
  const set = useMutation(trpc.secret.set.mutationOptions());
  const remove = useMutation(trpc.secret.delete.mutationOptions());
  const refresh = () => void queryClient.invalidateQueries({ queryKey: trpc.secret.list.queryKey() });
  const [form, setForm] = useState({ name: "", value: "", description: "" });
  const [message, setMessage] = useState<{ text: string; error?: boolean } | null>(null);

  return (
    <div data-testid="secrets-admin">
      <p className="muted">
        Steps use a secret as <code>{"{{secrets.NAME}}"}</code> in their settings; its value is filled in when the step runs and hidden from output, errors and logs.
      </p>
      {message && <p className={message.error ? "error-text" : "notice"}>{message.text}</p>}
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Description</th>
            <th scope="col">Changed</th>
            <th scope="col" aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {secrets.data?.map((s) => (
            <tr key={s.id} data-testid="secret-row">
              <td>
                <code>{s.name}</code>
              </td>
              <td>{s.description}</td>
              <td>{new Date(s.updatedAt).toLocaleString()}</td>
              <td>
                {mayManage && (
                  <button type="button" className="button small" disabled={!hydrated} onClick={() => remove.mutate({ name: s.name }, { onSuccess: () => (setMessage({ text: `${s.name} deleted.` }), refresh()), onError: (e) => setMessage({ text: e.message, error: true }) })}>
                    Delete
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {mayManage && (
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            set.mutate(form, { onSuccess: () => (setMessage({ text: `${form.name} saved.` }), setForm({ name: "", value: "", description: "" }), refresh()), onError: (err) => setMessage({ text: err.message, error: true }) });
          }}
        >
          <h2>Add or replace a secret</h2>
          <label>
            Name <input required pattern="[A-Z][A-Z0-9_]{0,63}" placeholder="GITHUB_TOKEN" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
          </label>
          <label>
            Value <input required type="password" autoComplete="off" value={form.value} onChange={(e) => setForm({ ...form, value: e.target.value })} />
          </label>
          <label>
            Description <input value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} />
          </label>
          <button type="submit" className="button primary" disabled={!hydrated || set.isPending}>
            Save
          </button>
        </form>
      )}
    </div>
  );
}
