"use client";
/** /admin/users: people, their roles and accounts — create, change role, disable, reset password, revoke sessions. */
import "./admin.css";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ROLES, type Role } from "../../lib/policy";
import { useTRPC } from "../trpc/client";
import { useHydrated } from "../ui/use-hydrated";

export function UsersAdmin({ me }: { me: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const hydrated = useHydrated();
  const users = useQuery(trpc.user.list.queryOptions());
  const refresh = () => void queryClient.invalidateQueries({ queryKey: trpc.user.list.queryKey() });
  const [message, setMessage] = useState<{ text: string; error?: boolean } | null>(null);
  const done = (text: string) => ({ onSuccess: () => (setMessage({ text }), refresh()), onError: (e: { message: string }) => setMessage({ text: e.message, error: true }) });
  const setRole = useMutation(trpc.user.setRole.mutationOptions());
  const setDisabled = useMutation(trpc.user.setDisabled.mutationOptions());
  const reset = useMutation(trpc.user.resetPassword.mutationOptions());
  const revoke = useMutation(trpc.user.revokeSessions.mutationOptions());
  const create = useMutation(trpc.user.create.mutationOptions());
  const [form, setForm] = useState({ name: "", email: "", role: "viewer" as Role, password: "" });

  return (
    <div data-testid="users-admin">
      {message && (
        <p className={message.error ? "error-text" : "notice"} role="status" data-testid="users-message">
          {message.text}
        </p>
      )}
      <table className="table" data-testid="user-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Last sign-in</th>
            <th scope="col">Status</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {users.data?.map((u) => (
            <tr key={u.id} data-testid="user-row" data-email={u.email}>
              <td>{u.name}</td>
              <td>{u.email}</td>
              <td>
                <select
                  aria-label={`Role of ${u.email}`}
                  value={u.role}
                  disabled={!hydrated || setRole.isPending}
                  onChange={(e) => setRole.mutate({ userId: u.id, role: e.target.value as Role }, done(`${u.email} is now ${e.target.value}.`))}
                >
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </select>
              </td>
              <td>{u.lastSignInAt ? new Date(u.lastSignInAt).toLocaleString() : <span className="muted">never</span>}</td>
              <td>{u.disabled ? "Disabled" : "Active"}</td>
              <td className="row-actions">
                <button type="button" className="button small" disabled={!hydrated || u.email === me} onClick={() => setDisabled.mutate({ userId: u.id, disabled: !u.disabled }, done(`${u.email} is ${u.disabled ? "enabled" : "disabled"}.`))}>
                  {u.disabled ? "Enable" : "Disable"}
                </button>
                <button
                  type="button"
                  className="button small"
                  disabled={!hydrated}
                  onClick={() =>
                    reset.mutate(
                      { userId: u.id },
                      { onSuccess: (r) => setMessage({ text: `New password for ${u.email} (shown once): ${r.password ?? ""}` }), onError: (e) => setMessage({ text: e.message, error: true }) },
                    )
                  }
                >
                  Reset password
                </button>
                <button type="button" className="button small" disabled={!hydrated} onClick={() => revoke.mutate({ userId: u.id }, done(`${u.email} is signed out everywhere.`))}>
                  Revoke sessions
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Add a person</h2>
      <form
        className="form inline-grid"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(form, { onSuccess: () => (setMessage({ text: `${form.email} can now sign in.` }), setForm({ name: "", email: "", role: "viewer", password: "" }), refresh()), onError: (err) => setMessage({ text: err.message, error: true }) });
        }}
      >
        <label>
          Name <input required value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
        </label>
        <label>
          Email <input required type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />
        </label>
        <label>
          Role{" "}
          <select value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label>
          First password <input required type="password" minLength={12} autoComplete="new-password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} />
        </label>
        <button type="submit" className="button primary" disabled={!hydrated || create.isPending}>
          Add
        </button>
      </form>
    </div>
  );
}
