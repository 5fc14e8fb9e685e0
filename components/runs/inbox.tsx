"use client";
/** The inbox: human tasks waiting for a decision, approved or rejected with a comment. */
import "./runs.css";
import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useTRPC } from "../trpc/client";
import { RelativeTime } from "../ui/relative-time";

export function Inbox() {
  const trpc = useTRPC();
  const tasks = useQuery({ ...trpc.run.inbox.queryOptions(), refetchInterval: 3000 });
  const [comments, setComments] = useState<Record<string, string>>({});
  const [done, setDone] = useState<Record<string, string>>({});
  const decide = useMutation(trpc.run.decide.mutationOptions({ onSuccess: () => void tasks.refetch() }));
  if (tasks.error) return <p className="error-text">{tasks.error.message}</p>;
  const list = tasks.data ?? [];
  return (
    <div>
      {Object.values(done).length ? (
        <p className="notice notice-info" role="status">
          {Object.values(done).at(-1)}
        </p>
      ) : null}
      {list.length === 0 && !tasks.isLoading ? (
        <div className="empty" data-testid="inbox-empty">
          <p>Nothing waits for you. Approvals of running workflows appear here.</p>
        </div>
      ) : (
        <ul className="inbox" data-testid="inbox">
          {list.map((t) => (
            <li key={t.taskId} className="inbox-item" data-testid="inbox-item" data-run-id={t.runId}>
              <div className="inbox-what">
                <strong>{t.label}</strong> in <Link href={`/runs/${t.runId}`}>{t.workflowName}</Link> <span className="muted">v{t.version}</span>
                <div className="muted small">
                  waiting since <RelativeTime iso={new Date(t.waitingSince).toISOString()} />
                  {t.assigneeRole ? ` · for ${t.assigneeRole}s` : ""}
                </div>
                <details>
                  <summary className="small">Variables</summary>
                  <pre className="json">{JSON.stringify(t.variables, null, 2)}</pre>
                </details>
              </div>
              <div className="inbox-act">
                <input aria-label={`Comment on ${t.label}`} placeholder="Comment (optional)" value={comments[t.taskId] ?? ""} onChange={(e) => setComments({ ...comments, [t.taskId]: e.target.value })} />
                {(["approve", "reject"] as const).map((decision) => (
                  <button
                    key={decision}
                    type="button"
                    className={decision === "approve" ? "button small primary" : "button small"}
                    data-testid={decision}
                    disabled={decide.isPending}
                    onClick={() =>
                      decide.mutate(
                        { runId: t.runId, nodeId: t.nodeId, decision, comment: comments[t.taskId] || undefined },
                        { onSuccess: () => setDone({ ...done, [t.taskId]: `${decision === "approve" ? "Approved" : "Rejected"} “${t.label}”.` }) },
                      )
                    }
                  >
                    {decision === "approve" ? "Approve" : "Reject"}
                  </button>
                ))}
              </div>
            </li>
          ))}
        </ul>
      )}
      {decide.error ? <p className="error-text">{decide.error.message}</p> : null}
    </div>
  );
}
