"use client";
/** The run's full history, virtualised (thousands of events stay fast); newest first. */
import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, useRef } from "react";
import type { RunEventRecord } from "../../lib/runs/run-view";

export const EventList = memo(function EventList({ events }: { events: RunEventRecord[] }) {
  const parent = useRef<HTMLDivElement>(null);
  const rows = useVirtualizer({ count: events.length, getScrollElement: () => parent.current, estimateSize: () => 26, overscan: 12 });
  return (
    <div className="event-list" ref={parent} data-testid="event-list" data-count={events.length}>
      <div style={{ height: rows.getTotalSize(), position: "relative" }}>
        {rows.getVirtualItems().map((r) => {
          const e = events[events.length - 1 - r.index]!;
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
});
