/**
 * Secret references in step settings: `{{secrets.NAME}}`. Finding the names, filling in values,
 * and redacting values from anything that leaves a step (output, errors, log lines). Pure.
 */
export const SECRET_REF = /\{\{\s*secrets\.([A-Z][A-Z0-9_]{0,63})\s*\}\}/g;

/** Names referenced as {{secrets.NAME}} anywhere in `value` (strings inside objects and arrays). */
export function secretNames(value: unknown, into = new Set<string>()): Set<string> {
  if (typeof value === "string") for (const m of value.matchAll(SECRET_REF)) into.add(m[1]!);
  else if (Array.isArray(value)) for (const v of value) secretNames(v, into);
  else if (value && typeof value === "object") for (const v of Object.values(value)) secretNames(v, into);
  return into;
}

/** `value` with each {{secrets.NAME}} replaced by its value. */
export function fillSecrets<T>(value: T, secrets: ReadonlyMap<string, string>): T {
  if (typeof value === "string") return value.replace(SECRET_REF, (_, name: string) => secrets.get(name) ?? "") as T;
  if (Array.isArray(value)) return value.map((v) => fillSecrets(v, secrets)) as T;
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillSecrets(v, secrets)])) as T;
  return value;
}

/** `value` with every secret value replaced by [secret NAME] (strings inside objects and arrays, keys too). */
export function redactSecrets<T>(value: T, secrets: ReadonlyMap<string, string>): T {
  if (!secrets.size) return value;
  if (typeof value === "string") {
    let s: string = value;
    for (const [name, secret] of secrets) if (secret.length >= 1) s = s.split(secret).join(`[secret ${name}]`);
    return s as T;
  }
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, secrets)) as T;
  if (value && typeof value === "object" && !(value instanceof Date)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [redactSecrets(k, secrets), redactSecrets(v, secrets)])) as T;
  return value;
}
