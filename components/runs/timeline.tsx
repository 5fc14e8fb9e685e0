"use client";
/**
 * The timeline (Gantt) of a run with d3's time scale and axis: one row per node, a bar per
 * attempt (coloured by outcome, retries visible), a lighter bar for the wait before the first
 * attempt. Hover a bar for its timing and error; click selects the node.
 */
import { axisBottom, scaleTime, select } from "d3";
import { useEffect, useMemo, useRef, useState } from "react";
import type { RunView } from "../../lib/runs/run-view";
import type { WorkflowGraph } from "../../lib/workflow/schema";

const ROW = 22;
const LEFT = 150;

export function Timeline({ graph, view, selected, onSelect }: { graph: WorkflowGraph; view: RunView; selected: string | null; onSelect(id: string): void }) {
  const axisRef = useRef<SVGGElement>(null);
  const boxRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (view.endedAt) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [view.endedAt]);
  useEffect(() => {
    const el = boxRef.current;
    if (!el) return;
    const ro = new ResizeObserver(([e]) => setWidth(Math.max(300, e!.contentRect.width)));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const rows = useMemo(() => graph.nodes.filter((n) => view.nodes.get(n.id)?.attempts.length).map((n) => ({ node: n, v: view.nodes.get(n.id)! })), [graph, view]);
  const start = view.startedAt ?? now;
  const end = Math.max(view.endedAt ?? now, start + 1000);
  const x = useMemo(() => scaleTime().domain([new Date(start), new Date(end)]).range([LEFT, width - 10]), [start, end, width]);
  useEffect(() => {
    if (axisRef.current) select(axisRef.current).call(axisBottom(x).ticks(Math.max(2, Math.floor(width / 110))));
  }, [x, width]);
  const height = rows.length * ROW + 30;
  return (
    <div className="timeline" ref={boxRef} data-testid="timeline">
      {rows.length === 0 ? <p className="muted small">Nothing has run yet.</p> : null}
      <svg width={width} height={height} role="img" aria-label="Timeline of the run's steps">
        {rows.map(({ node, v }, i) => (
          <g key={node.id} transform={`translate(0, ${i * ROW})`} className={selected === node.id ? "tl-row selected" : "tl-row"} onClick={() => onSelect(node.id)}>
            <text x={6} y={15} className="tl-label">
              {(node.label ?? node.id).slice(0, 22)}
            </text>
            {v.scheduledAt !== null && v.attempts[0] && v.attempts[0].start > v.scheduledAt ? <rect x={x(new Date(v.scheduledAt))} y={8} width={Math.max(1, x(new Date(v.attempts[0].start)) - x(new Date(v.scheduledAt)))} height={6} className="tl-wait" /> : null}
            {v.attempts.map((a) => {
              const x0 = x(new Date(a.start));
              const x1 = x(new Date(a.end ?? now));
              return (
                <rect key={`${a.taskId}-${a.attempt}`} x={x0} y={4} width={Math.max(3, x1 - x0)} height={14} rx={3} className={`tl-bar tl-${a.outcome}`} data-testid="timeline-bar">
                  <title>{`${node.label ?? node.id}${a.attempt ? ` — attempt ${a.attempt}` : ""}: ${a.outcome}, ${(((a.end ?? now) - a.start) / 1000).toFixed(2)} s${a.error ? `\n${a.error.type}: ${a.error.message}` : ""}`}</title>
                </rect>
              );
            })}
          </g>
        ))}
        <g ref={axisRef} transform={`translate(0, ${rows.length * ROW + 4})`} className="tl-axis" />
      </svg>
    </div>
  );
}
