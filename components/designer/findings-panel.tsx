"use client";
/**
 * The verifier's findings, at the bottom of the designer: a count badge, one row per finding;
 * clicking a row selects and centres its steps, and "Replay" animates its counterexample.
 */
import { memo, useState } from "react";
import { selectVerify, useDesigner, useDesignerStore } from "./store";

export const FindingsPanel = memo(function FindingsPanel() {
  const store = useDesignerStore();
  const verify = useDesigner(selectVerify);
  const [open, setOpen] = useState(true);
  const issues = verify.result?.issues ?? [];
  const errors = issues.filter((i) => i.severity === "error").length;
  return (
    <section className={`findings${open ? " open" : ""}`} aria-label="Verification findings" data-testid="findings">
      <button type="button" className="findings-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        Problems <span className={`count-badge${errors ? " has-errors" : ""}`} data-testid="findings-count">{issues.length}</span>
        {verify.status === "done" ? <span className="muted small"> checked in {verify.ms < 1 ? "<1" : Math.round(verify.ms)} ms{verify.result.states ? `, ${verify.result.states.toLocaleString()} states` : ""}</span> : null}
      </button>
      {open ? (
        verify.status === "failed" ? (
          <p className="error-text">{verify.message}</p>
        ) : issues.length === 0 ? (
          <p className="muted findings-empty">{verify.status === "checking" && !verify.result ? "Checking…" : "No problems: every run can complete, nothing is left behind, and every step can run."}</p>
        ) : (
          <ul className="findings-list">
            {issues.map((f, i) => (
              <li key={`${f.code}-${i}`} className={`finding finding-${f.severity}`} data-testid="finding" data-code={f.code}>
                <button
                  type="button"
                  className="finding-main"
                  onClick={() => {
                    store.getState().select({ nodes: f.nodeIds, edges: f.edgeIds });
                    if (f.nodeIds.length) store.getState().focusOn(f.nodeIds);
                  }}
                >
                  <span className="finding-sev">{f.severity === "error" ? "Error" : "Warning"}</span>
                  <span className="finding-msg">{f.message}</span>
                  <code className="finding-code">{f.code}</code>
                </button>
                {f.trace?.length ? (
                  <button type="button" className="button small" data-testid="finding-replay" onClick={() => store.getState().setReplay({ finding: f, step: 0, playing: false, speed: 1 })}>
                    Replay ({f.trace.length} steps)
                  </button>
                ) : null}
              </li>
            ))}
          </ul>
        )
      ) : null}
    </section>
  );
});

/** The status chip in the top bar. */
export function VerifyChip() {
  const verify = useDesigner(selectVerify);
  let text = "checking…";
  let cls = "checking";
  if (verify.status === "failed") {
    text = "not checked";
    cls = "unknown";
  } else if (verify.result) {
    const r = verify.result;
    if (r.sound === null) {
      text = "not checked (state budget)";
      cls = "unknown";
    } else if (r.ok) {
      text = "sound";
      cls = "sound";
    } else {
      text = "unsound";
      cls = "unsound";
    }
  }
  const checking = verify.status === "checking";
  return (
    <span className={`verify-chip chip-${cls}${checking ? " is-checking" : ""}`} data-testid="verify-status" data-status={checking ? "checking" : cls} role="status" aria-live="polite" title={verify.status === "checking" ? "Checking the latest edit…" : undefined}>
      {text}
    </span>
  );
}
