"use client";
/**
 * Counterexample replay: the tokens of the trace's marking after `step` firings, drawn as small
 * discs on the edges that hold them (they glide when the step changes), and the controls: play,
 * pause, step back and forward, speed, and the list of steps with the current one highlighted.
 */
import { ViewportPortal } from "@xyflow/react";
import { useEffect, useMemo } from "react";
import type { TraceStep } from "../../lib/petri/findings";
import { edgeMidpoint, nodeCentre, type Point } from "./node-look";
import { selectGraph, selectReplay, useDesigner, useDesignerStore } from "./store";

/** Tokens (edge id or node id -> count) after the first `step` firings of the trace. */
export function tokensAfter(trace: TraceStep[], step: number, startId: string | undefined): Map<string, number> {
  const count = new Map<string, number>();
  if (startId) count.set(`node:${startId}`, 1);
  for (const s of trace.slice(0, step)) {
    for (const e of s.consumed) count.set(e, (count.get(e) ?? 0) - 1);
    for (const e of s.produced) count.set(e, (count.get(e) ?? 0) + 1);
    if (s.nodeId === startId) count.delete(`node:${startId}`);
  }
  for (const [k, v] of count) if (v <= 0) count.delete(k);
  return count;
}

export function ReplayTokens() {
  const replay = useDesigner(selectReplay);
  const graph = useDesigner(selectGraph);
  const tokens = useMemo(() => {
    if (!replay?.finding.trace) return [];
    const start = graph.nodes.find((n) => n.kind === "start")?.id;
    const out: Array<{ key: string; p: Point; n: number }> = [];
    for (const [k, n] of tokensAfter(replay.finding.trace, replay.step, start)) {
      const p = k.startsWith("node:") ? nodeCentre(graph, k.slice(5)) : edgeMidpoint(graph, k);
      if (p) out.push({ key: k, p, n });
    }
    return out;
  }, [replay, graph]);
  if (!replay) return null;
  return (
    <ViewportPortal>
      {tokens.map((t) => (
        <div key={t.key} className={`token${t.n > 1 ? " token-many" : ""}`} data-testid="token" style={{ transform: `translate(${t.p.x - 7}px, ${t.p.y - 7}px)` }} title={t.n > 1 ? `${t.n} tokens` : "a token"}>
          {t.n > 1 ? t.n : ""}
        </div>
      ))}
    </ViewportPortal>
  );
}

export function ReplayControls() {
  const store = useDesignerStore();
  const replay = useDesigner(selectReplay);
  const steps = replay?.finding.trace ?? [];
  useEffect(() => {
    if (!replay?.playing) return;
    if (replay.step >= steps.length) {
      store.getState().setReplay({ ...replay, playing: false });
      return;
    }
    const timer = setTimeout(() => store.getState().setReplay({ ...replay, step: replay.step + 1 }), 700 / replay.speed);
    return () => clearTimeout(timer);
  }, [replay, steps.length, store]);
  if (!replay) return null;
  const set = (patch: Partial<typeof replay>) => store.getState().setReplay({ ...replay, ...patch });
  const at = steps[replay.step - 1];
  return (
    <section className="replay" aria-label="Counterexample replay" data-testid="replay">
      <div className="replay-head">
        <strong>Replay</strong>
        <span className="muted replay-what">{replay.finding.message}</span>
        <button type="button" className="icon-button" aria-label="Close the replay" onClick={() => store.getState().setReplay(null)}>
          ✕
        </button>
      </div>
      <div className="replay-bar">
        <button type="button" className="button small" aria-label="Back to the start" onClick={() => set({ step: 0, playing: false })} disabled={replay.step === 0}>
          ⏮
        </button>
        <button type="button" className="button small" aria-label="Step back" data-testid="replay-back" onClick={() => set({ step: Math.max(0, replay.step - 1), playing: false })} disabled={replay.step === 0}>
          ◀
        </button>
        {replay.playing ? (
          <button type="button" className="button small primary" aria-label="Pause" data-testid="replay-pause" onClick={() => set({ playing: false })}>
            ❚❚
          </button>
        ) : (
          <button type="button" className="button small primary" aria-label="Play" data-testid="replay-play" onClick={() => set({ playing: true, step: replay.step >= steps.length ? 0 : replay.step })}>
            ▶
          </button>
        )}
        <button type="button" className="button small" aria-label="Step forward" data-testid="replay-step" onClick={() => set({ step: Math.min(steps.length, replay.step + 1), playing: false })} disabled={replay.step >= steps.length}>
          ▶▮
        </button>
        <label className="replay-speed">
          Speed
          <select value={replay.speed} onChange={(e) => set({ speed: Number(e.target.value) })} aria-label="Replay speed">
            <option value={0.5}>0.5×</option>
            <option value={1}>1×</option>
            <option value={2}>2×</option>
            <option value={4}>4×</option>
          </select>
        </label>
        <span className="replay-pos" data-testid="replay-position">
          Step {replay.step} of {steps.length}
          {at ? ` — ${at.label}` : ""}
        </span>
      </div>
      <ol className="replay-steps">
        {steps.map((s, i) => (
          <li key={i} className={i === replay.step - 1 ? "current" : i < replay.step ? "done" : ""}>
            <button type="button" onClick={() => set({ step: i + 1, playing: false })}>
              {s.label}
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}
