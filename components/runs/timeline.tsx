"use client";
/**
 * The timeline (Gantt) of a run, with d3's time scale and axis: one row per node, a bar per
 * attempt (coloured by outcome, retries visible), a lighter bar for the wait before the first
 * attempt. Hover a bar for its timing and error; click selects the node.
 *
 * Bars are laid out in milliseconds since the run started, inside one group that d3's scale
 * stretches to the width: as time passes only that group's transform changes, and a row redraws
 * only when its own attempts change.
 */
import { axisBottom, scaleTime, select } from "d3";
import { memo, useEffect, useMemo, useRef, useState } from "react";
import type { NodeView, RunView } from "../../lib/runs/run-view";
import type { WorkflowGraph, WorkflowNode } from "../../lib/workflow/schema";

const ROW = 22;
const LEFT = 150;

const Row = memo(function Row({ node, v, start, now, index, selected, onSelect }: { node: WorkflowNode; v: NodeView; sig: string; start: number; now: number; index: number; selected: boolean; onSelect(id: string): void }) {
  return (
    <g transform={`translate(0, ${index * ROW})`} className={selected ? "tl-row selected" : "tl-row"} onClick={() => onSelect(node.id)}>
      {v.scheduledAt !== null && v.attempts[0] && v.attempts[0].start > v.scheduledAt ? <rect x={v.scheduledAt - start} y={8} width={Math.max(1, v.attempts[0].start - v.scheduledAt)} height={6} className="tl-wait" vectorEffect="non-scaling-stroke" /> : null}
      {v.attempts.map((a) => (
        <rect key={`${a.taskId}-${a.attempt}`} x={a.start - start} y={4} width={Math.max(1, (a.end ?? now) - a.start)} height={14} className={`tl-bar tl-${a.outcome}`} vectorEffect="non-scaling-stroke" data-testid="timeline-bar">
          <title>{`${node.label ?? node.id}${a.attempt ? ` — attempt ${a.attempt}` : ""}: ${a.outcome}, ${(((a.end ?? now) - a.start) / 1000).toFixed(2)} s${a.error ? `\n${a.error.type}: ${a.error.message}` : ""}`}</title>
        </rect>
      ))}
    </g>
  );
});

const Label = memo(function Label({ node, index, selected, onSelect }: { node: WorkflowNode; index: number; selected: boolean; onSelect(id: string): void }) {
  return (
    <text x={6} y={index * ROW + 15} className={selected ? "tl-label selected" : "tl-label"} onClick={() => onSelect(node.id)}>
      {(node.label ?? node.id).slice(0, 22)}
    </text>
  );
});

/** Redrawn only when its (throttled) inputs change, not on every frame of the page. */
export const Timeline = memo(function Timeline({ graph, view, selected, onSelect }: { graph: WorkflowGraph; view: RunView; selected: string | null; onSelect(id: string): void }) {
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
    const ro = new ResizeObserver(([e]) => setWidth(Math.max(300, Math.round(e!.contentRect.width))));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const rows = useMemo(() => graph.nodes.filter((n) => view.nodes.get(n.id)?.attempts.length), [graph, view]);
  const start = view.startedAt ?? now;
  const end = Math.max(view.endedAt ?? now, start + 1000);
  const x = useMemo(() => scaleTime().domain([new Date(start), new Date(end)]).range([LEFT, width - 10]), [start, end, width]);
  useEffect(() => {
    if (axisRef.current) select(axisRef.current).call(axisBottom(x).ticks(Math.max(2, Math.floor(width / 110))));
  }, [x, width]);
  const k = (width - 10 - LEFT) / (end - start);
  const height = rows.length * ROW + 30;
  return (
    <div className="timeline" ref={boxRef} data-testid="timeline">
      {rows.length === 0 ? <p className="muted small">Nothing has run yet.</p> : null}
      <svg width={width} height={height} role="img" aria-label="Timeline of the run's steps">
        {rows.map((n, i) => (
          <Label key={n.id} node={n} index={i} selected={selected === n.id} onSelect={onSelect} />
        ))}
        <g transform={`translate(${LEFT}, 0) scale(${k}, 1)`}>
          {rows.map((n, i) => {
            const v = view.nodes.get(n.id)!;
            const last = v.attempts[v.attempts.length - 1];
            const running = v.attempts.some((a) => a.end === null);
            const sig = `${v.state}|${v.attempts.length}|${last?.end ?? ""}|${last?.outcome ?? ""}|${v.scheduledAt ?? ""}`;
            return <Row key={n.id} node={n} v={v} sig={sig} start={start} now={running ? now : 0} index={i} selected={selected === n.id} onSelect={onSelect} />;
          })}
        </g>
        <g ref={axisRef} transform={`translate(0, ${rows.length * ROW + 4})`} className="tl-axis" />
      </svg>
    </div>
  );
});
