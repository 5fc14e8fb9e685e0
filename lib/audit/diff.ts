/**
 * The before/after diff of an audit row: both sides flattened to paths (`graph.nodes[2].label`),
 * each path marked added, removed, changed or unchanged. Pure; used by the admin page.
 */
export type DiffLine = { path: string; kind: "added" | "removed" | "changed" | "same"; before?: unknown; after?: unknown };

/** Leaves of a JSON value by path; arrays and objects deeper than `depth` are kept whole. */
export function flatten(value: unknown, depth = 6, prefix = "", out = new Map<string, unknown>()): Map<string, unknown> {
  const isContainer = value !== null && typeof value === "object";
  if (!isContainer || depth === 0 || (Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0)) {
    out.set(prefix || "(value)", value);
    return out;
  }
  if (Array.isArray(value)) value.forEach((v, i) => flatten(v, depth - 1, `${prefix}[${i}]`, out));
  else for (const [k, v] of Object.entries(value)) flatten(v, depth - 1, prefix ? `${prefix}.${k}` : k, out);
  return out;
}

export function diffValues(before: unknown, after: unknown): DiffLine[] {
  const b = before === null || before === undefined ? new Map<string, unknown>() : flatten(before);
  const a = after === null || after === undefined ? new Map<string, unknown>() : flatten(after);
  const paths = [...new Set([...b.keys(), ...a.keys()])];
  return paths.map((path) => {
    if (!b.has(path)) return { path, kind: "added", after: a.get(path) };
    if (!a.has(path)) return { path, kind: "removed", before: b.get(path) };
    const same = JSON.stringify(b.get(path)) === JSON.stringify(a.get(path));
    return { path, kind: same ? "same" : "changed", before: b.get(path), after: a.get(path) };
  });
}
