"use client";
/**
 * /admin/audit: the audit log, newest first, filtered by actor, action, target, time range and
 * free text (filters live in the URL); each row opens a before/after diff; the hash chain is
 * verified on demand (the first broken row is shown); the current filter exports as CSV or JSON Lines.
 */
import "./admin.css";
import { useInfiniteQuery, useMutation } from "@tanstack/react-query";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { Fragment, useState } from "react";
import { diffValues } from "../../lib/audit/diff";
import { useTRPC, useTRPCClient } from "../trpc/client";
import { useHydrated } from "../ui/use-hydrated";

const FILTERS = ["actor", "action", "targetType", "targetId", "from", "to", "q"] as const;
type Filter = (typeof FILTERS)[number];
const LABELS: Record<Filter, string> = { actor: "Actor (email or id)", action: "Action (e.g. workflow.publish, run.*)", targetType: "Target type", targetId: "Target id", from: "From", to: "To", q: "Text" };

function show(v: unknown): string {
  if (v === undefined) return "";
  return typeof v === "string" ? v : JSON.stringify(v);
}

export function AuditLog() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const hydrated = useHydrated();
  const current = Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ""])) as Record<Filter, string>;
  const [draft, setDraft] = useState(current);
  const [open, setOpen] = useState<string | null>(params.get("row"));
  const input = {
    ...Object.fromEntries(FILTERS.filter((f) => current[f] && f !== "from" && f !== "to").map((f) => [f, current[f]])),
    ...(current.from ? { from: new Date(current.from) } : {}),
    ...(current.to ? { to: new Date(current.to) } : {}),
  };
  const list = useInfiniteQuery({
    queryKey: ["audit", input],
    queryFn: ({ pageParam }) => client.audit.list.query({ ...input, limit: 50, ...(pageParam ? { cursor: pageParam } : {}) }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const verify = useMutation(trpc.audit.verify.mutationOptions());
  const rows = list.data?.pages.flatMap((p) => p.rows) ?? [];
  const query = new URLSearchParams(Object.entries(current).filter(([, v]) => v) as Array<[string, string]>);
  const apply = (next: Record<Filter, string>) => {
    const q = new URLSearchParams(Object.entries(next).filter(([, v]) => v) as Array<[string, string]>);
    router.push(`${pathname}${q.size ? `?${q}` : ""}`);
  };

  return (
    <div className="audit" data-testid="audit-log">
      <form
        className="audit-filters"
        onSubmit={(e) => {
          e.preventDefault();
          apply(draft);
        }}
      >
        {FILTERS.map((f) => (
          <label key={f}>
            <span>{LABELS[f]}</span>
            <input
              name={f}
              type={f === "from" || f === "to" ? "datetime-local" : "text"}
              value={draft[f]}
              onChange={(e) => setDraft({ ...draft, [f]: e.target.value })}
              data-testid={`audit-filter-${f}`}
            />
          </label>
        ))}
        <div className="audit-filter-actions">
          <button type="submit" className="button primary" disabled={!hydrated} data-testid="audit-apply">
            Apply
          </button>
          <button type="button" className="button" disabled={!hydrated} onClick={() => (setDraft(Object.fromEntries(FILTERS.map((f) => [f, ""])) as Record<Filter, string>), apply(Object.fromEntries(FILTERS.map((f) => [f, ""])) as Record<Filter, string>))}>
            Clear
          </button>
        </div>
      </form>

      <div className="audit-bar">
        <div className="audit-chain" data-testid="audit-chain">
          <button type="button" className="button" disabled={!hydrated || verify.isPending} onClick={() => verify.mutate()} data-testid="audit-verify">
            {verify.isPending ? "Verifying…" : "Verify the chain"}
          </button>
          {verify.data?.ok && (
            <span className="chain-ok" data-testid="audit-chain-status">
              ✓ Chain intact: {verify.data.rows.toLocaleString()} rows
              {verify.data.unsealed > 0 && `; ${verify.data.unsealed.toLocaleString()} newer rows wait for the sealer`}
            </span>
          )}
          {verify.data && !verify.data.ok && (
            <span className="chain-broken" data-testid="audit-chain-status">
              ✗ Broken at row #{verify.data.firstBroken?.id}: {verify.data.firstBroken?.reason}{" "}
              <button type="button" className="link-button" onClick={() => setOpen(verify.data.firstBroken?.id ?? null)}>
                show
              </button>
            </span>
          )}
          {verify.error && <span className="error-text">{verify.error.message}</span>}
        </div>
        <div className="audit-export">
          Export this filter:{" "}
          <a href={`/api/audit/export?format=csv${query.size ? `&${query}` : ""}`} download data-testid="audit-export-csv">
            CSV
          </a>{" "}
          ·{" "}
          <a href={`/api/audit/export?format=jsonl${query.size ? `&${query}` : ""}`} download data-testid="audit-export-jsonl">
            JSON Lines
          </a>
        </div>
      </div>

      {list.error && <p className="error-text">{list.error.message}</p>}
      <table className="table audit-table">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Time</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Address</th>
            <th scope="col" aria-label="Details" />
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const broken = verify.data?.firstBroken?.id === r.id;
            return (
              <Fragment key={r.id}>
                <tr className={broken ? "audit-broken" : undefined} data-testid="audit-row" data-action={r.action}>
                  <td className="muted">{r.id}</td>
                  <td title={new Date(r.at).toISOString()}>{new Date(r.at).toLocaleString()}</td>
                  <td>
                    {r.actorLabel}
                    {r.actorType !== "user" && <span className="muted"> ({r.actorType})</span>}
                  </td>
                  <td>
                    <code>{r.action}</code>
                  </td>
                  <td>
                    {r.targetType}
                    {r.targetId && <span className="muted"> {r.targetId}</span>}
                  </td>
                  <td className="muted">{r.ip ?? ""}</td>
                  <td>
                    <button type="button" className="link-button" aria-expanded={open === r.id} onClick={() => setOpen(open === r.id ? null : r.id)} data-testid="audit-open">
                      {open === r.id ? "Hide" : "Diff"}
                    </button>
                  </td>
                </tr>
                {open === r.id && (
                  <tr className="audit-detail">
                    <td colSpan={7}>
                      <table className="diff" data-testid="audit-diff">
                        <thead>
                          <tr>
                            <th scope="col">Field</th>
                            <th scope="col">Before</th>
                            <th scope="col">After</th>
                          </tr>
                        </thead>
                        <tbody>
                          {diffValues(r.before, r.after).map((l) => (
                            <tr key={l.path} className={`diff-${l.kind}`}>
                              <td>
                                <code>{l.path}</code>
                              </td>
                              <td>{show(l.before)}</td>
                              <td>{show(l.after)}</td>
                            </tr>
                          ))}
                        </tbody>
                      </table>
                      <p className="muted audit-meta">
                        Request {r.requestId} · {r.userAgent ?? "no user agent"} · {r.hash ? (
                          <>
                            hash <code>{r.hash.slice(0, 16)}…</code> (previous <code>{r.prevHash.slice(0, 16) || "none"}…</code>)
                          </>
                        ) : (
                          "not sealed into the hash chain yet (workers seal new rows within a second)"
                        )}
                      </p>
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
      {!list.isLoading && rows.length === 0 && <p className="muted">No audit rows match this filter.</p>}
      {list.hasNextPage && (
        <button type="button" className="button" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()} data-testid="audit-more">
          {list.isFetchingNextPage ? "Loading…" : "Load more"}
        </button>
      )}
    </div>
  );
}
