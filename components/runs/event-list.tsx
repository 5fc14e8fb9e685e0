"use client";
/** The run's full history, virtualised (thousands of events stay fast); newest at the bottom. */
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useRef } from "react";
import type { RunEventRecord } from "../../lib/runs/run-view";

export function EventList({ events }: { events: RunEventRecord[] }) {
  const parent = useRef<HTMLDivElement>(null);
  const rows = useVirtualizer({ count: events.length, getScrollElement: () => parent.current, estimateSize: () => 26, overscan: 12 });
  const follow = useRef(true);
  useEffect(() => {
    if (follow.current && events.length) rows.scrollToIndex(events.length - 1, { align: "end" });
  }, [events.length, rows]);
  return (
    <div
      className="event-list"
      ref={parent}
      data-testid="event-list"
      data-count={events.length}
      onScroll={(e) => {
        const el = e.currentTarget;
        follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
      }}
    >
      <div style={{ height: rows.getTotalSize(), position: "relative" }}>
        {rows.getVirtualItems().map((r) => {
          const e = events[r.index]!;
          return (
            <div key={e.seq} className="event-row" data-testid="event-row" data-seq={e.seq} style={{ position: "absolute", top: 0, left: 0, right: 0, transform: `translateY(${r.start}px)`, height: r.size }}>
              <span className="ev-seq">{e.seq}</span>
              <span className={`ev-type ev-${e.type}`}>{e.type}</span>
              <span className="ev-node">{e.nodeId ?? ""}</span>
              <span className="ev-time">{new Date(e.at).toLocaleTimeString()}</span>
            </div>
          );
        })}
      </div>
    </div>
  );
}
