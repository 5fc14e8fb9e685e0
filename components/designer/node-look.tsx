/**
 * How each kind of node looks, in the spirit of BPMN: round events, diamond gateways with their
 * symbol, rounded task boxes with the plugin's icon. Sizes are fixed per kind (layout uses them).
 */
import type { ReactElement } from "react";
import { KIND_TITLES } from "../../lib/workflow/edit";
import type { NodeKind, WorkflowGraph, WorkflowNode } from "../../lib/workflow/schema";

export const GRID = 10;

export function nodeSize(kind: NodeKind): { width: number; height: number } {
  if (kind === "start" || kind === "end" || kind === "terminate-end") return { width: 40, height: 40 };
  if (kind.endsWith("split") || kind.endsWith("merge") || kind.endsWith("join") || kind === "event-choice") return { width: 50, height: 50 };
  return { width: 160, height: 56 };
}

export type Shape = "event" | "gateway" | "activity";

export function shapeOf(kind: NodeKind): Shape {
  const { width } = nodeSize(kind);
  return width === 40 ? "event" : width === 50 ? "gateway" : "activity";
}

/** The symbol inside a gateway. */
export function gatewaySymbol(kind: NodeKind): string {
  if (kind.startsWith("exclusive")) return "×";
  if (kind.startsWith("parallel")) return "+";
  if (kind.startsWith("inclusive")) return "○";
  return "⬠";
}

const path = (d: string) => <path d={d} fill="none" stroke="currentColor" strokeWidth={1.6} strokeLinecap="round" strokeLinejoin="round" />;

/** Small line icons (16 px) for plugins and waiting kinds. */
export function Icon({ name }: { name: string }): ReactElement {
  const body: Record<string, ReactElement> = {
    http: (
      <>
        <circle cx="8" cy="8" r="6.2" fill="none" stroke="currentColor" strokeWidth={1.6} />
        {path("M1.8 8h12.4M8 1.8c2 2 2 10.4 0 12.4M8 1.8c-2 2-2 10.4 0 12.4")}
      </>
    ),
    script: path("M5.5 4.5 2 8l3.5 3.5M10.5 4.5 14 8l-3.5 3.5M9 3 7 13"),
    transform: path("M10.5 2.5c-2 0-2.5 1-2.8 3L6.8 11c-.3 1.8-.8 2.5-2.8 2.5M4.5 6.5h6"),
    log: path("M3 4h10M3 8h10M3 12h6"),
    delay: (
      <>
        <circle cx="8" cy="8" r="6.2" fill="none" stroke="currentColor" strokeWidth={1.6} />
        {path("M8 4.5V8l2.5 1.5")}
      </>
    ),
    timer: (
      <>
        <circle cx="8" cy="8" r="6.2" fill="none" stroke="currentColor" strokeWidth={1.6} />
        {path("M8 4.5V8l2.5 1.5")}
      </>
    ),
    signal: path("M2 4h12v8H2zM2 4l6 5 6-5"),
    approval: path("M3 8.5 6.5 12 13 4.5"),
    "sub-workflow": path("M2.5 3.5h11v9h-11zM6 10h4M8 8v4"),
    "for-each": path("M12.5 6A5 5 0 1 0 13 9.5M12.5 2.5V6H9"),
    fail: path("M8 3v6.5M8 12.5v.5"),
    noop: <circle cx="8" cy="8" r="3" fill="none" stroke="currentColor" strokeWidth={1.6} />,
  };
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" className="icon">
      {body[name] ?? body.noop}
    </svg>
  );
}

/** The icon a node shows: its plugin's for tasks, its kind's otherwise. */
export function iconName(kind: NodeKind, plugin?: unknown): string {
  if (kind === "task") return typeof plugin === "string" ? plugin : "noop";
  return kind;
}

/** A node's shape and text, the same in the designer and on a run's canvas. */
export function NodeBody({ node }: { node: WorkflowNode }): ReactElement {
  const shape = shapeOf(node.kind);
  const label = node.label ?? node.id;
  return (
    <>
      {shape === "activity" ? (
        <div className="pn-box">
          <Icon name={iconName(node.kind, node.config?.type)} />
          <div className="pn-text">
            <span className="pn-label">{label}</span>
            <span className="pn-sub">{node.kind === "task" ? String(node.config?.type ?? "task") : KIND_TITLES[node.kind]}</span>
          </div>
        </div>
      ) : shape === "gateway" ? (
        <div className="pn-diamond" aria-hidden="true">
          <span className="pn-symbol">{gatewaySymbol(node.kind)}</span>
        </div>
      ) : (
        <div className="pn-circle" aria-hidden="true" />
      )}
      {shape !== "activity" ? <span className="pn-caption">{label}</span> : null}
    </>
  );
}

export type Point = { x: number; y: number };

/** The centre of a node on the canvas. */
export function nodeCentre(g: WorkflowGraph, id: string): Point | null {
  const n = g.nodes.find((x) => x.id === id);
  if (!n) return null;
  const { width, height } = nodeSize(n.kind);
  return { x: n.position.x + width / 2, y: n.position.y + height / 2 };
}

/** Halfway between an edge's ports (an error edge leaves from the bottom), and where it comes from. */
export function edgeMidpoint(g: WorkflowGraph, edgeId: string): (Point & { from: string }) | null {
  const e = g.edges.find((x) => x.id === edgeId);
  if (!e) return null;
  const s = g.nodes.find((n) => n.id === e.source);
  const t = g.nodes.find((n) => n.id === e.target);
  if (!s || !t) return null;
  const ss = nodeSize(s.kind);
  const ts = nodeSize(t.kind);
  const from = e.kind === "error" ? { x: s.position.x + ss.width / 2, y: s.position.y + ss.height } : { x: s.position.x + ss.width, y: s.position.y + ss.height / 2 };
  const to = { x: t.position.x, y: t.position.y + ts.height / 2 };
  return { x: (from.x + to.x) / 2, y: (from.y + to.y) / 2, from: e.source };
}
