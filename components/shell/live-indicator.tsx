"use client";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useTRPC } from "../trpc/client";

/** A small dot that says whether the live (WebSocket) channel to the server is up. */
export function LiveIndicator() {
  const trpc = useTRPC();
  const sub = useSubscription(trpc.system.status.subscriptionOptions({ intervalMs: 15_000 }));
  const state = sub.status === "pending" && sub.data ? "live" : sub.status === "error" ? "offline" : "connecting";
  const label = state === "live" ? "Live" : state === "offline" ? "Offline" : "Connecting";
  return (
    <span className={`live live-${state}`} data-testid="live-indicator" data-state={state} title={state === "live" ? "Live updates are on" : "Live updates are not connected"}>
      <span className="live-dot" aria-hidden="true" />
      {label}
    </span>
  );
}
