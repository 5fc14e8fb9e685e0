"use client";
/**
 * The runs list: filters in the URL (shareable), counts per status, cursor pagination, and live
 * refresh — the server says which runs changed (run.changes) and the page refetches.
 */
import "./runs.css";
import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useState } from "react";
import { RelativeTime } from "../ui/relative-time";
import { useTRPC, useTRPCClient } from "../trpc/client";
import { StartRunButton } from "./start-run";

const STATUSES = ["running", "paused", "completed", "failed", "cancelled"] as const;
type Status = (typeof STATUSES)[number];

export function RunsList({ mayStart }: { mayStart: boolean }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const filters = {
    workflowId: params.get("workflow") ?? undefined,
    version: params.get("version") ? Number(params.get("version")) : undefined,
    status: (params.get("status") as Status | null) ?? undefined,
    from: params.get("from") ?? undefined,
    to: params.get("to") ?? undefined,
    q: params.get("q") ?? undefined,
  };
  const [q, setQ] = useState(filters.q ?? "");
  const workflows = useQuery(trpc.workflow.list.queryOptions());
  const input = { ...filters, from: filters.from ? new Date(filters.from) : undefined, to: filters.to ? new Date(filters.to) : undefined, limit: 50 };
  const list = useInfiniteQuery({
    queryKey: ["runs", input],
    queryFn: ({ pageParam }) => client.run.list.query({ ...input, ...(pageParam ? { cursor: pageParam } : {}) }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const [live, setLive] = useState(false);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const sub = client.run.changes.subscribe(
      { intervalMs: 500 },
      {
        onStarted: () => setLive(true),
        onData: () => {
          clearTimeout(timer);
          timer = setTimeout(() => void queryClient.invalidateQueries({ queryKey: ["runs"] }), 100);
        },
        onError: () => setLive(false),
      },
    );
    return () => {
      clearTimeout(timer);
      sub.unsubscribe();
    };
  }, [client, queryClient]);

  const set = (patch: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params.toString());
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined || v === "") next.delete(k);
      else next.set(k, v);
    }
    router.replace(`${pathname}?${next.toString()}`);
  };

  const runs = list.data?.pages.flatMap((p) => p.runs) ?? [];
  const counts = list.data?.pages[0]?.counts;
  const selectedWorkflow = workflows.data?.find((w) => w.id === filters.workflowId);
  return (
    <div className="runs-list">
      <div className="filters" role="search">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            set({ q: q.trim() || undefined });
          }}
        >
          <input type="search" aria-label="Search runs" placeholder="Run id or a searchable input value" value={q} onChange={(e) => setQ(e.target.value)} data-testid="runs-search" />
        </form>
        <select aria-label="Workflow" value={filters.workflowId ?? ""} onChange={(e) => set({ workflow: e.target.value || undefined, version: undefined })}>
          <option value="">All workflows</option>
          {workflows.data?.map((w) => (
            <option key={w.id} value={w.id}>
              {w.name}
            </option>
          ))}
        </select>
        {selectedWorkflow ? (
          <input aria-label="Version" className="narrow" inputMode="numeric" placeholder="version" defaultValue={filters.version ?? ""} onBlur={(e) => set({ version: /^\d+$/.test(e.target.value) ? e.target.value : undefined })} />
        ) : null}
        <label className="small">
          From <input type="datetime-local" aria-label="Started from" value={filters.from ?? ""} onChange={(e) => set({ from: e.target.value || undefined })} />
        </label>
        <label className="small">
          To <input type="datetime-local" aria-label="Started before" value={filters.to ?? ""} onChange={(e) => set({ to: e.target.value || undefined })} />
        </label>
        <span className={`live ${live ? "live-live" : "live-offline"}`} title={live ? "Updates as runs change" : "Not live: reload to update"}>
          <span className="live-dot" /> {live ? "Live" : "Offline"}
        </span>
        {mayStart ? <StartRunButton workflows={(workflows.data ?? []).filter((w) => w.status === "published")} /> : null}
      </div>
      <div className="status-tabs" role="tablist" aria-label="Status">
        <button type="button" role="tab" aria-selected={!filters.status} className={!filters.status ? "active" : ""} onClick={() => set({ status: undefined })}>
          All {counts ? <span className="count">{Object.values(counts).reduce((a, b) => a + b, 0)}</span> : null}
        </button>
        {STATUSES.map((s) => (
          <button key={s} type="button" role="tab" aria-selected={filters.status === s} className={filters.status === s ? "active" : ""} onClick={() => set({ status: s })} data-testid={`status-tab-${s}`}>
            {s[0]!.toUpperCase() + s.slice(1)} {counts ? <span className="count" data-testid={`count-${s}`}>{counts[s]}</span> : null}
          </button>
        ))}
      </div>
      {list.error ? <p className="error-text">{list.error.message}</p> : null}
      {runs.length === 0 && !list.isLoading ? (
        <div className="empty" data-testid="runs-empty">
          {Object.values(filters).some((v) => v !== undefined) ? (
            <p>No runs match these filters.</p>
          ) : (
            <p>No runs yet. {mayStart ? "Publish a workflow, then start it with “Start a run”; its runs appear here and update as they happen." : "Runs appear here when someone starts a published workflow."}</p>
          )}
        </div>
      ) : (
        <table className="table" data-testid="runs-table">
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Workflow</th>
              <th scope="col">Status</th>
              <th scope="col">Started</th>
              <th scope="col" className="num">Events</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.id} data-testid="run-row" data-status={r.status}>
                <td>
                  <Link href={`/runs/${r.id}`} className="mono">
                    {r.id.slice(0, 8)}
                  </Link>
                  {r.error ? <div className="cell-sub error-sub">{(r.error as { message?: string }).message}</div> : null}
                </td>
                <td>
                  {r.workflowName} <span className="muted">v{r.version}</span>
                </td>
                <td>
                  <span className={`status run-${r.status}`}>{r.status}</span>
                </td>
                <td>
                  <RelativeTime iso={new Date(r.createdAt).toISOString()} />
                </td>
                <td className="num">{r.lastSeq}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.hasNextPage ? (
        <button type="button" className="button" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
          {list.isFetchingNextPage ? "Loading…" : "Load more"}
        </button>
      ) : null}
    </div>
  );
}
