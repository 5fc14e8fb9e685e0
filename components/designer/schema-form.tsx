"use client";
/**
 * A form generated from a plugin's configuration schema (JSON Schema, produced on the server from
 * the plugin's zod schema). Strings, numbers, booleans and enums get inputs; maps of strings get
 * key/value rows; anything else gets a JSON editor. Each field says what is wrong with it inline;
 * a value is written to the graph only once it is valid for its type.
 */
import { useEffect, useState } from "react";

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  additionalProperties?: JsonSchema | boolean;
  description?: string;
};

/** What is wrong with `value` for `schema`, in a few words, or null. */
export function fieldProblem(schema: JsonSchema, value: unknown, required: boolean): string | null {
  if (value === undefined || value === "") return required ? "is required" : null;
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (schema.enum && !schema.enum.includes(value)) return `must be one of ${schema.enum.join(", ")}`;
  if (type === "string") {
    if (typeof value !== "string") return "must be text";
    if (schema.minLength !== undefined && value.length < schema.minLength) return schema.minLength === 1 ? "is required" : `must be at least ${schema.minLength} characters`;
    if (schema.maxLength !== undefined && value.length > schema.maxLength) return `must be at most ${schema.maxLength} characters`;
  }
  if (type === "integer" || type === "number") {
    if (typeof value !== "number" || Number.isNaN(value)) return "must be a number";
    if (type === "integer" && !Number.isInteger(value)) return "must be a whole number";
    if (schema.minimum !== undefined && value < schema.minimum) return `must be at least ${schema.minimum}`;
    if (schema.maximum !== undefined && value > schema.maximum) return `must be at most ${schema.maximum}`;
  }
  if (type === "boolean" && typeof value !== "boolean") return "must be true or false";
  return null;
}

const human = (key: string) => key.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/Ms$/, " (ms)").replace(/^./, (c) => c.toUpperCase());

export function SchemaForm({ schema, value, onChange, idPrefix, readOnly }: { schema: JsonSchema; value: Record<string, unknown>; onChange(next: Record<string, unknown>): void; idPrefix: string; readOnly: boolean }) {
  const props = Object.entries(schema.properties ?? {});
  if (!props.length) return <p className="muted small">This step has no settings.</p>;
  return (
    <div className="schema-form">
      {props.map(([key, s]) => (
        <Field
          key={key}
          id={`${idPrefix}-${key}`}
          name={key}
          schema={s}
          required={schema.required?.includes(key) ?? false}
          value={value[key]}
          readOnly={readOnly}
          onChange={(v) => {
            const next = { ...value };
            if (v === undefined) delete next[key];
            else next[key] = v;
            onChange(next);
          }}
        />
      ))}
    </div>
  );
}

function Field({ id, name, schema, required, value, onChange, readOnly }: { id: string; name: string; schema: JsonSchema; required: boolean; value: unknown; onChange(v: unknown): void; readOnly: boolean }) {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  const label = (
    <label htmlFor={id}>
      {human(name)}
      {required ? <span aria-hidden="true"> *</span> : null}
    </label>
  );
  const problem = fieldProblem(schema, value, required);
  const error = problem ? (
    <span className="field-error" id={`${id}-error`} role="alert">
      {human(name)} {problem}
    </span>
  ) : null;
  const described = problem ? { "aria-describedby": `${id}-error`, "aria-invalid": true } : {};
  if (schema.enum) {
    return (
      <div className="field">
        {label}
        <select id={id} value={String(value ?? schema.default ?? "")} disabled={readOnly} onChange={(e) => onChange(e.target.value)} {...described}>
          {schema.enum.map((o) => (
            <option key={String(o)} value={String(o)}>
              {String(o)}
            </option>
          ))}
        </select>
        {error}
      </div>
    );
  }
  if (type === "boolean") {
    return (
      <div className="field field-check">
        <input id={id} type="checkbox" checked={Boolean(value ?? schema.default)} disabled={readOnly} onChange={(e) => onChange(e.target.checked)} />
        {label}
      </div>
    );
  }
  if (type === "integer" || type === "number") {
    return <NumberField id={id} label={label} schema={schema} value={value} onChange={onChange} readOnly={readOnly} error={error} described={described} />;
  }
  if (type === "string") {
    const long = name === "source" || name === "body" || (schema.maxLength ?? 0) > 500;
    return (
      <div className="field">
        {label}
        {long ? (
          <textarea id={id} className="code" rows={6} value={String(value ?? "")} readOnly={readOnly} onChange={(e) => onChange(e.target.value === "" ? undefined : e.target.value)} placeholder={schema.default !== undefined ? String(schema.default) : ""} {...described} />
        ) : (
          <input id={id} value={String(value ?? "")} readOnly={readOnly} onChange={(e) => onChange(e.target.value === "" ? undefined : e.target.value)} placeholder={schema.default !== undefined ? String(schema.default) : ""} {...described} />
        )}
        {error}
      </div>
    );
  }
  return <JsonField id={id} label={label} value={value} onChange={onChange} readOnly={readOnly} />;
}

function NumberField({ id, label, schema, value, onChange, readOnly, error, described }: { id: string; label: React.ReactNode; schema: JsonSchema; value: unknown; onChange(v: unknown): void; readOnly: boolean; error: React.ReactNode; described: object }) {
  const [text, setText] = useState(value === undefined ? "" : String(value));
  useEffect(() => {
    // Only when the value changed elsewhere (undo, another field), not while typing "1." or "-".
    setText((t) => (t.trim() !== "" && Number(t) === value ? t : value === undefined ? "" : String(value)));
  }, [value]);
  return (
    <div className="field">
      {label}
      <input
        id={id}
        inputMode="numeric"
        value={text}
        readOnly={readOnly}
        placeholder={schema.default !== undefined ? String(schema.default) : ""}
        onChange={(e) => {
          setText(e.target.value);
          if (e.target.value.trim() === "") onChange(undefined);
          else if (!Number.isNaN(Number(e.target.value))) onChange(Number(e.target.value));
        }}
        {...described}
      />
      {text.trim() !== "" && Number.isNaN(Number(text)) ? <span className="field-error">must be a number</span> : error}
    </div>
  );
}

/** A JSON value edited as text: written back only when it parses. */
export function JsonField({ id, label, value, onChange, readOnly }: { id: string; label: React.ReactNode; value: unknown; onChange(v: unknown): void; readOnly: boolean }) {
  const [text, setText] = useState(value === undefined ? "" : JSON.stringify(value, null, 2));
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    setText((t) => {
      try {
        if (t.trim() && JSON.stringify(JSON.parse(t)) === JSON.stringify(value)) return t;
      } catch {
        // not JSON: replace it
      }
      return value === undefined ? "" : JSON.stringify(value, null, 2);
    });
  }, [value]);
  return (
    <div className="field">
      {label}
      <textarea
        id={id}
        className="code"
        rows={4}
        value={text}
        readOnly={readOnly}
        onChange={(e) => {
          setText(e.target.value);
          if (!e.target.value.trim()) {
            setProblem(null);
            onChange(undefined);
            return;
          }
          try {
            const v: unknown = JSON.parse(e.target.value);
            setProblem(null);
            onChange(v);
          } catch (err) {
            setProblem(`is not valid JSON: ${(err as Error).message}`);
          }
        }}
        aria-invalid={problem ? true : undefined}
      />
      {problem ? (
        <span className="field-error" role="alert">
          {problem}
        </span>
      ) : null}
    </div>
  );
}
