"use client";
/**
 * The inspector: what is selected, and its settings. A node's form depends on its kind (a task's
 * comes from its plugin's schema); an edge leaving a split has its condition, checked as FEEL while
 * typing; with nothing selected, the workflow's inputs and run timeout. Edits are undoable, and
 * typing in one field is one undo step.
 */
import { useEffect, useState, type ReactNode } from "react";
import { analyseExpression } from "../../lib/expressions";
import { KIND_TITLES, renameGroup, ungroup, updateEdge, updateNode, updateWorkflow } from "../../lib/workflow/edit";
import { ACTIVITY_KINDS, type WorkflowEdge, type WorkflowGraph, type WorkflowNode } from "../../lib/workflow/schema";
import type { PluginInfo } from "./palette";
import { fieldProblem, SchemaForm, type JsonSchema } from "./schema-form";
import { selectGraph, selectMeta, selectSelection, useDesigner, useDesignerStore } from "./store";

export function Inspector({ plugins }: { plugins: PluginInfo[] }) {
  const graph = useDesigner(selectGraph);
  const selection = useDesigner(selectSelection);
  const { readOnly } = useDesigner(selectMeta);
  const node = selection.nodes.length === 1 && selection.edges.length === 0 ? graph.nodes.find((n) => n.id === selection.nodes[0]) : undefined;
  const edge = selection.edges.length === 1 && selection.nodes.length === 0 ? graph.edges.find((e) => e.id === selection.edges[0]) : undefined;
  // A selection that is exactly one group's steps (clicking its label, or just after Ctrl+G).
  const group = !node && !edge && selection.nodes.length > 0 && selection.edges.length === 0 ? graph.groups?.find((g) => g.nodes.length === selection.nodes.length && g.nodes.every((n) => selection.nodes.includes(n))) : undefined;
  let body: ReactNode;
  if (node) body = <NodeInspector key={node.id} node={node} graph={graph} plugins={plugins} readOnly={readOnly} />;
  else if (edge) body = <EdgeInspector key={edge.id} edge={edge} graph={graph} readOnly={readOnly} />;
  else if (group) body = <GroupInspector key={group.id} id={group.id} label={group.label} count={group.nodes.length} readOnly={readOnly} />;
  else if (selection.nodes.length + selection.edges.length > 1) body = <p className="muted">{selection.nodes.length + selection.edges.length} elements selected. Drag to move them together; Delete removes them; Ctrl+C copies them; Ctrl+G groups them.</p>;
  else body = <WorkflowInspector graph={graph} readOnly={readOnly} />;
  return (
    <aside className="inspector" aria-label="Inspector" data-testid="inspector">
      {body}
    </aside>
  );
}

function GroupInspector({ id, label, count, readOnly }: { id: string; label: string; count: number; readOnly: boolean }) {
  const store = useDesignerStore();
  return (
    <div>
      <header className="inspector-head">
        <span className="inspector-kind">Group</span>
        <code className="inspector-id">{id}</code>
      </header>
      <TextField id="group-label" label="Name" value={label} readOnly={readOnly} onChange={(v) => store.getState().apply("Rename group", (g) => renameGroup(g, id, v), `group:${id}:label`)} />
      <p className="muted small">{count} steps. Drag any of them to move the group; Delete removes them.</p>
      {!readOnly ? (
        <button type="button" className="button small" onClick={() => store.getState().apply("Ungroup", (g) => ungroup(g, id))}>
          Ungroup
        </button>
      ) : null}
    </div>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="inspector-section">
      <h3>{title}</h3>
      {children}
    </section>
  );
}

/** A text input that edits a field; every keystroke is applied, one undo step per field. */
function TextField({ id, label, value, onChange, readOnly, placeholder, problem, mono }: { id: string; label: string; value: string; onChange(v: string): void; readOnly: boolean; placeholder?: string; problem?: string | null; mono?: boolean }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} className={mono ? "code" : undefined} value={value} placeholder={placeholder} readOnly={readOnly} onChange={(e) => onChange(e.target.value)} aria-invalid={problem ? true : undefined} aria-describedby={problem ? `${id}-error` : undefined} />
      {problem ? (
        <span className="field-error" id={`${id}-error`} role="alert">
          {problem}
        </span>
      ) : null}
    </div>
  );
}

function NodeInspector({ node, graph, plugins, readOnly }: { node: WorkflowNode; graph: WorkflowGraph; plugins: PluginInfo[]; readOnly: boolean }) {
  const store = useDesignerStore();
  const edit = (field: string, patch: Partial<WorkflowNode>, label = "Edit") => store.getState().apply(label, (g) => updateNode(g, node.id, patch), `node:${node.id}:${field}`);
  const config = node.config ?? {};
  const setConfig = (field: string, next: Record<string, unknown>) => edit(`config.${field}`, { config: next });
  const plugin = node.kind === "task" ? plugins.find((p) => p.type === config.type) : undefined;
  const isActivity = ACTIVITY_KINDS.has(node.kind);
  const others = graph.nodes.filter((n) => n.id !== node.id && n.kind === "task");
  return (
    <div>
      <header className="inspector-head">
        <span className="inspector-kind">{KIND_TITLES[node.kind]}</span>
        <code className="inspector-id" title="The step's id (used in expressions and history)">{node.id}</code>
      </header>
      <TextField id="node-label" label="Name" value={node.label ?? ""} placeholder={node.id} readOnly={readOnly} onChange={(v) => edit("label", { label: v || undefined }, "Rename step")} />
      {node.kind === "task" ? (
        <Section title="What it does">
          <div className="field">
            <label htmlFor="node-plugin">Step type</label>
            <select id="node-plugin" value={String(config.type ?? "")} disabled={readOnly} onChange={(e) => edit("config.type", { config: { type: e.target.value } }, "Change step type")}>
              {plugins.map((p) => (
                <option key={p.type} value={p.type}>
                  {p.title}
                </option>
              ))}
              {!plugin ? <option value={String(config.type ?? "")}>{String(config.type ?? "(none)")} (not installed)</option> : null}
            </select>
            {plugin ? <span className="muted small">{plugin.description}</span> : <span className="field-error">No plugin “{String(config.type)}” is installed.</span>}
          </div>
          {plugin ? <SchemaForm idPrefix="config" schema={plugin.configSchema as JsonSchema} value={config} readOnly={readOnly} onChange={(next) => setConfig("form", { ...next, type: config.type })} /> : null}
        </Section>
      ) : null}
      {node.kind === "timer" ? (
        <Section title="Wait">
          <TextField id="timer-duration" label="Duration (ISO 8601, e.g. PT5M)" mono value={String(config.duration ?? "")} readOnly={readOnly} problem={config.duration !== undefined && !/^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/.test(String(config.duration)) ? "Duration must look like PT30S, PT5M or P1D" : null} onChange={(v) => setConfig("duration", { ...config, duration: v || undefined })} />
          <TextField id="timer-until" label="Or until (a date and time)" mono value={String(config.until ?? "")} readOnly={readOnly} placeholder="2026-12-24T18:00:00Z" problem={config.until !== undefined && Number.isNaN(Date.parse(String(config.until))) ? "Until must be a date and time" : null} onChange={(v) => setConfig("until", { ...config, until: v || undefined })} />
        </Section>
      ) : null}
      {node.kind === "signal" ? (
        <Section title="Signal">
          <TextField id="signal-name" label="Signal name" mono value={String(config.name ?? "")} readOnly={readOnly} problem={!config.name ? "Signal name is required" : null} onChange={(v) => setConfig("name", { ...config, name: v })} />
        </Section>
      ) : null}
      {node.kind === "sub-workflow" ? (
        <Section title="Workflow to call">
          <TextField id="sub-workflow" label="Workflow key" mono value={String(config.workflow ?? "")} readOnly={readOnly} problem={!config.workflow ? "Workflow key is required" : null} onChange={(v) => setConfig("workflow", { ...config, workflow: v })} />
          <TextField id="sub-version" label="Version (empty: the latest)" value={config.version === undefined ? "" : String(config.version)} readOnly={readOnly} problem={config.version !== undefined && !(Number.isInteger(config.version) && Number(config.version) > 0) ? "Version must be a positive whole number" : null} onChange={(v) => setConfig("version", { ...config, version: v.trim() === "" ? undefined : Number(v) })} />
        </Section>
      ) : null}
      {node.kind === "for-each" ? (
        <Section title="For each item">
          <ExpressionField id="foreach-items" label="List (FEEL expression)" value={String(config.items ?? "")} readOnly={readOnly} onChange={(v) => setConfig("items", { ...config, items: v })} />
          <div className="field">
            <label htmlFor="foreach-mode">Mode</label>
            <select id="foreach-mode" value={String(config.mode ?? "parallel")} disabled={readOnly} onChange={(e) => setConfig("mode", { ...config, mode: e.target.value })}>
              <option value="parallel">Parallel</option>
              <option value="sequential">One after another</option>
            </select>
          </div>
          <TextField id="foreach-concurrency" label="At most at once" value={config.concurrency === undefined ? "" : String(config.concurrency)} readOnly={readOnly} placeholder="10" problem={config.concurrency !== undefined && !(Number.isInteger(config.concurrency) && Number(config.concurrency) > 0) ? "must be a positive whole number" : null} onChange={(v) => setConfig("concurrency", { ...config, concurrency: v.trim() === "" ? undefined : Number(v) })} />
        </Section>
      ) : null}
      {isActivity ? (
        <>
          <Section title="Outputs">
            <TextField id="node-outputs" label="Variables it sets (comma-separated)" mono value={(node.outputs ?? []).join(", ")} readOnly={readOnly} problem={(node.outputs ?? []).find((o) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(o)) ? "Each output must be a variable name" : null} onChange={(v) => edit("outputs", { outputs: v.split(",").map((s) => s.trim()).filter(Boolean).length ? v.split(",").map((s) => s.trim()).filter(Boolean) : undefined })} />
          </Section>
          <PolicyEditor node={node} readOnly={readOnly} onChange={(field, patch) => edit(field, patch, "Edit policy")} />
          <Section title="Compensation">
            <div className="field">
              <label htmlFor="node-compensate">If the run fails or is cancelled later, undo with</label>
              <select id="node-compensate" value={node.compensate ?? ""} disabled={readOnly} onChange={(e) => edit("compensate", { compensate: e.target.value || undefined }, "Set compensation")}>
                <option value="">(nothing)</option>
                {others.map((n) => (
                  <option key={n.id} value={n.id}>
                    {n.label ?? n.id}
                  </option>
                ))}
              </select>
            </div>
          </Section>
        </>
      ) : null}
    </div>
  );
}

const RETRY_FIELDS: Array<[string, string, JsonSchema]> = [
  ["maxAttempts", "Max attempts", { type: "integer", minimum: 1, maximum: 1000, default: 5 }],
  ["initialIntervalMs", "First retry after (ms)", { type: "integer", minimum: 0, maximum: 86_400_000, default: 1000 }],
  ["backoffCoefficient", "Backoff coefficient", { type: "number", minimum: 1, maximum: 100, default: 2 }],
  ["maxIntervalMs", "Longest wait (ms)", { type: "integer", minimum: 0, maximum: 86_400_000, default: 60_000 }],
];
const TIMEOUT_FIELDS: Array<[string, string, JsonSchema]> = [
  ["startToCloseMs", "One attempt at most (ms)", { type: "integer", minimum: 100, maximum: 86_400_000, default: 60_000 }],
  ["scheduleToCloseMs", "All attempts at most (ms)", { type: "integer", minimum: 100, maximum: 30 * 86_400_000 }],
  ["heartbeatMs", "Heartbeat at least every (ms)", { type: "integer", minimum: 100, maximum: 86_400_000 }],
];

function PolicyEditor({ node, readOnly, onChange }: { node: WorkflowNode; readOnly: boolean; onChange(field: string, patch: Partial<WorkflowNode>): void }) {
  const retry = (node.retry ?? {}) as Record<string, unknown>;
  const timeouts = (node.timeouts ?? {}) as Record<string, unknown>;
  const numberRow = (group: "retry" | "timeouts", obj: Record<string, unknown>, [key, label, schema]: [string, string, JsonSchema]) => (
    <PolicyNumber
      key={key}
      id={`${group}-${key}`}
      label={label}
      schema={schema}
      value={obj[key] as number | undefined}
      readOnly={readOnly}
      onChange={(v) => {
        const next = { ...obj };
        if (v === undefined) delete next[key];
        else next[key] = v;
        onChange(`${group}.${key}`, { [group]: Object.keys(next).length ? next : undefined });
      }}
    />
  );
  return (
    <>
      <Section title="Retries">
        {RETRY_FIELDS.map((f) => numberRow("retry", retry, f))}
        <TextField
          id="retry-nonRetryable"
          label="Do not retry these error types"
          mono
          value={((retry.nonRetryableErrorTypes as string[] | undefined) ?? []).join(", ")}
          readOnly={readOnly}
          onChange={(v) => {
            const types = v.split(",").map((s) => s.trim()).filter(Boolean);
            const next = { ...retry, nonRetryableErrorTypes: types.length ? types : undefined };
            if (!types.length) delete next.nonRetryableErrorTypes;
            onChange("retry.nonRetryable", { retry: Object.keys(next).length ? next : undefined });
          }}
        />
      </Section>
      <Section title="Timeouts">{TIMEOUT_FIELDS.map((f) => numberRow("timeouts", timeouts, f))}</Section>
    </>
  );
}

function PolicyNumber({ id, label, schema, value, readOnly, onChange }: { id: string; label: string; schema: JsonSchema; value: number | undefined; readOnly: boolean; onChange(v: number | undefined): void }) {
  const [text, setText] = useState(value === undefined ? "" : String(value));
  useEffect(() => setText((t) => (t.trim() !== "" && Number(t) === value ? t : value === undefined ? "" : String(value))), [value]);
  const parsed = text.trim() === "" ? undefined : Number(text);
  const problem = parsed !== undefined && Number.isNaN(parsed) ? "must be a number" : fieldProblem(schema, parsed, false);
  return (
    <div className="field field-inline">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        inputMode="numeric"
        value={text}
        placeholder={schema.default !== undefined ? String(schema.default) : "none"}
        readOnly={readOnly}
        aria-invalid={problem ? true : undefined}
        onChange={(e) => {
          setText(e.target.value);
          const v = e.target.value.trim() === "" ? undefined : Number(e.target.value);
          // Only a valid value reaches the graph (the draft stays publishable meanwhile).
          if (v === undefined || (!Number.isNaN(v) && !fieldProblem(schema, v, false))) onChange(v);
        }}
      />
      {problem ? (
        <span className="field-error" role="alert">
          {label} {problem}
        </span>
      ) : null}
    </div>
  );
}

/** A FEEL expression, checked as it is typed. */
function ExpressionField({ id, label, value, onChange, readOnly }: { id: string; label: string; value: string; onChange(v: string): void; readOnly: boolean }) {
  const analysis = value.trim() ? analyseExpression(value) : null;
  const problem = analysis && !analysis.ok ? `Syntax error at column ${analysis.column}: ${analysis.message}` : null;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} className="code" value={value} readOnly={readOnly} spellCheck={false} onChange={(e) => onChange(e.target.value)} aria-invalid={problem ? true : undefined} aria-describedby={problem ? `${id}-error` : undefined} data-testid={id} />
      {problem ? (
        <span className="field-error" id={`${id}-error`} role="alert">
          {problem}
        </span>
      ) : analysis?.ok && analysis.variables.length ? (
        <span className="muted small">Reads: {analysis.variables.join(", ")}</span>
      ) : null}
    </div>
  );
}

function EdgeInspector({ edge, graph, readOnly }: { edge: WorkflowEdge; graph: WorkflowGraph; readOnly: boolean }) {
  const store = useDesignerStore();
  const source = graph.nodes.find((n) => n.id === edge.source);
  const target = graph.nodes.find((n) => n.id === edge.target);
  const edit = (field: string, patch: Partial<WorkflowEdge>, label = "Edit path") => store.getState().apply(label, (g) => updateEdge(g, edge.id, patch), `edge:${edge.id}:${field}`);
  const branches = source?.kind === "exclusive-split" || source?.kind === "inclusive-split";
  return (
    <div>
      <header className="inspector-head">
        <span className="inspector-kind">{edge.kind === "error" ? "Error path" : "Path"}</span>
        <code className="inspector-id">{edge.id}</code>
      </header>
      <p className="muted small">
        From <strong>{source?.label ?? edge.source}</strong> to <strong>{target?.label ?? edge.target}</strong>
      </p>
      <TextField id="edge-label" label="Label" value={edge.label ?? ""} readOnly={readOnly} onChange={(v) => edit("label", { label: v || undefined })} />
      {branches ? (
        <Section title="Branch">
          <div className="field field-check">
            <input id="edge-default" type="checkbox" checked={!!edge.isDefault} disabled={readOnly} onChange={(e) => edit("default", { isDefault: e.target.checked || undefined, ...(e.target.checked ? { condition: undefined } : {}) }, "Default branch")} />
            <label htmlFor="edge-default">Default branch (taken when no condition holds)</label>
          </div>
          {!edge.isDefault ? <ExpressionField id="edge-condition" label="Condition (FEEL), e.g. amount > 500" value={edge.condition ?? ""} readOnly={readOnly} onChange={(v) => edit("condition", { condition: v === "" ? undefined : v }, "Edit condition")} /> : null}
        </Section>
      ) : null}
    </div>
  );
}

const INPUT_TYPES = ["string", "number", "boolean", "object", "array", "any"] as const;

function WorkflowInspector({ graph, readOnly }: { graph: WorkflowGraph; readOnly: boolean }) {
  const store = useDesignerStore();
  const inputs = Object.entries(graph.input ?? {});
  const [draftName, setDraftName] = useState("");
  const nameProblem = draftName && (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(draftName) ? "must be a variable name (letters, digits, _)" : graph.input?.[draftName] ? "is already an input" : null);
  const setInputs = (next: NonNullable<WorkflowGraph["input"]>, label: string, coalesce?: string) => store.getState().apply(label, (g) => updateWorkflow(g, { input: Object.keys(next).length ? next : undefined }), coalesce);
  return (
    <div>
      <header className="inspector-head">
        <span className="inspector-kind">Workflow</span>
      </header>
      <p className="muted small">Select a step or a path to edit it. Here: what a run starts with.</p>
      <Section title="Inputs">
        {inputs.length === 0 ? <p className="muted small">No inputs: runs start with no variables.</p> : null}
        <ul className="input-list">
          {inputs.map(([name, field]) => (
            <li key={name} className="input-row">
              <code>{name}</code>
              <select aria-label={`Type of ${name}`} value={field.type} disabled={readOnly} onChange={(e) => setInputs({ ...graph.input, [name]: { ...field, type: e.target.value as (typeof INPUT_TYPES)[number] } }, "Edit input")}>
                {INPUT_TYPES.map((t) => (
                  <option key={t}>{t}</option>
                ))}
              </select>
              <label className="small">
                <input type="checkbox" checked={!!field.required} disabled={readOnly} onChange={(e) => setInputs({ ...graph.input, [name]: { ...field, required: e.target.checked || undefined } }, "Edit input")} /> required
              </label>
              {!readOnly ? (
                <button
                  type="button"
                  className="icon-button"
                  aria-label={`Remove input ${name}`}
                  onClick={() => {
                    const next = { ...graph.input };
                    delete next[name];
                    setInputs(next, "Remove input");
                  }}
                >
                  ✕
                </button>
              ) : null}
            </li>
          ))}
        </ul>
        {!readOnly ? (
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              if (!draftName || nameProblem) return;
              setInputs({ ...graph.input, [draftName]: { type: "string" } }, "Add input");
              setDraftName("");
            }}
          >
            <input aria-label="New input name" placeholder="new input name" value={draftName} onChange={(e) => setDraftName(e.target.value)} className="code" />
            <button type="submit" className="button small" disabled={!draftName || !!nameProblem}>
              Add
            </button>
            {nameProblem ? <span className="field-error">Name {nameProblem}</span> : null}
          </form>
        ) : null}
      </Section>
      <Section title="Run timeout">
        <PolicyNumber id="run-timeout" label="A run fails after (ms)" schema={{ type: "integer", minimum: 1000, maximum: 365 * 86_400_000 }} value={graph.runTimeoutMs} readOnly={readOnly} onChange={(v) => store.getState().apply("Run timeout", (g) => updateWorkflow(g, { runTimeoutMs: v }), "workflow:runTimeout")} />
      </Section>
    </div>
  );
}
