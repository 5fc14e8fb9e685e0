"use client";
/** "Start a run": pick a published workflow; a form generated from its input schema; then the run page. */
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { WorkflowGraph } from "../../lib/workflow/schema";
import { useTRPC, useTRPCClient } from "../trpc/client";

type Field = NonNullable<WorkflowGraph["input"]>[string];

function parseValue(field: Field, text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  if (text.trim() === "") return field.required ? { ok: false, message: "is required" } : { ok: true, value: undefined };
  switch (field.type) {
    case "string":
      return { ok: true, value: text };
    case "number":
      return Number.isFinite(Number(text)) ? { ok: true, value: Number(text) } : { ok: false, message: "must be a number" };
    case "boolean":
      return text === "true" || text === "false" ? { ok: true, value: text === "true" } : { ok: false, message: "must be true or false" };
    default:
      try {
        return { ok: true, value: JSON.parse(text) };
      } catch {
        return { ok: false, message: `must be JSON (${field.type})` };
      }
  }
}

export function StartRunButton({ workflows, workflowId }: { workflows: Array<{ id: string; name: string }>; workflowId?: string }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [chosen, setChosen] = useState(workflowId ?? "");
  const [schema, setSchema] = useState<WorkflowGraph["input"] | null>(null);
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const start = useMutation(trpc.run.start.mutationOptions());

  async function choose(id: string) {
    setChosen(id);
    setSchema(null);
    setError(null);
    if (!id) return;
    try {
      const w = await client.workflow.get.query({ workflowId: id });
      const latest = w.versions[0];
      if (!latest) return setError("This workflow has no published version.");
      const v = await client.workflow.version.query({ workflowId: id, version: latest.version });
      setSchema(v.graph.input ?? {});
    } catch (e) {
      setError((e as Error).message);
    }
  }

  const problems = Object.fromEntries(Object.entries(schema ?? {}).map(([name, field]) => [name, parseValue(field, values[name] ?? "")]));
  const invalid = Object.values(problems).some((p) => !p.ok);
  return (
    <>
      <button type="button" className="button primary" data-testid="start-run" onClick={() => (setOpen(true), workflowId ? void choose(workflowId) : undefined)}>
        Start a run
      </button>
      {open ? (
        <div className="dialog-backdrop" role="presentation">
          <form
            className="dialog"
            role="dialog"
            aria-modal="true"
            aria-labelledby="start-title"
            onSubmit={async (e) => {
              e.preventDefault();
              if (!chosen || invalid) return;
              const input = Object.fromEntries(Object.entries(problems).flatMap(([k, p]) => (p.ok && p.value !== undefined ? [[k, p.value]] : [])));
              try {
                const r = await start.mutateAsync({ workflowId: chosen, input });
                setOpen(false);
                router.push(`/runs/${r.runId}`);
              } catch (err) {
                setError((err as Error).message);
              }
            }}
          >
            <h2 id="start-title">Start a run</h2>
            <label htmlFor="start-workflow">Workflow</label>
            <select id="start-workflow" value={chosen} onChange={(e) => void choose(e.target.value)} required>
              <option value="">Choose a published workflow…</option>
              {workflows.map((w) => (
                <option key={w.id} value={w.id}>
                  {w.name}
                </option>
              ))}
            </select>
            {schema
              ? Object.entries(schema).map(([name, field]) => (
                  <div className="field" key={name}>
                    <label htmlFor={`input-${name}`}>
                      {name} <span className="muted small">({field.type}{field.required ? ", required" : ""})</span>
                    </label>
                    {field.type === "boolean" ? (
                      <select id={`input-${name}`} value={values[name] ?? ""} onChange={(e) => setValues({ ...values, [name]: e.target.value })}>
                        <option value="">(none)</option>
                        <option>true</option>
                        <option>false</option>
                      </select>
                    ) : (
                      <input id={`input-${name}`} value={values[name] ?? ""} onChange={(e) => setValues({ ...values, [name]: e.target.value })} placeholder={field.description ?? ""} />
                    )}
                    {!problems[name]!.ok && (values[name] ?? "") !== "" ? <span className="field-error">{name} {(problems[name] as { message: string }).message}</span> : null}
                  </div>
                ))
              : null}
            {schema && Object.keys(schema).length === 0 ? <p className="muted small">This workflow takes no input.</p> : null}
            {error ? (
              <p className="error-text" role="alert">
                {error}
              </p>
            ) : null}
            <div className="dialog-actions">
              <button type="button" className="button" onClick={() => setOpen(false)}>
                Cancel
              </button>
              <button type="submit" className="button primary" disabled={!chosen || !schema || invalid || start.isPending} data-testid="start-run-submit">
                Start
              </button>
            </div>
          </form>
        </div>
      ) : null}
    </>
  );
}
