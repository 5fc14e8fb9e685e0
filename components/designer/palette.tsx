"use client";
/**
 * The palette: every node kind and every installed node-type plugin, grouped and searchable.
 * Drag an item onto the canvas, or press Enter on it to add it at the centre of the view.
 */
import { useReactFlow } from "@xyflow/react";
import { memo, useMemo, useState, type DragEvent } from "react";
import { KIND_TITLES } from "../../lib/workflow/edit";
import type { NodeKind } from "../../lib/workflow/schema";
import { addAt, PALETTE_MIME } from "./canvas";
import { Icon, iconName } from "./node-look";
import { useDesignerStore } from "./store";

export type PluginInfo = { type: string; title: string; description: string; configSchema: unknown };

type Item = { key: string; kind: NodeKind; plugin?: string; title: string; hint: string };

const GROUPS: Array<{ title: string; kinds: NodeKind[] }> = [
  { title: "Events", kinds: ["start", "end", "terminate-end"] },
  { title: "Control flow", kinds: ["exclusive-split", "exclusive-merge", "parallel-split", "parallel-join", "inclusive-split", "inclusive-join", "event-choice", "for-each", "sub-workflow"] },
  { title: "Waiting", kinds: ["timer", "signal"] },
  { title: "Human", kinds: ["approval"] },
];

const HINTS: Partial<Record<NodeKind, string>> = {
  start: "Where a run begins",
  end: "Where a branch finishes",
  "terminate-end": "Ends the whole run at once",
  "exclusive-split": "Takes one branch, by condition",
  "exclusive-merge": "Continues when any branch arrives",
  "parallel-split": "Runs every branch at once",
  "parallel-join": "Waits for every branch",
  "inclusive-split": "Takes every branch whose condition holds",
  "inclusive-join": "Waits for the branches that were taken",
  "event-choice": "The first event (signal or timer) wins",
  "for-each": "One step per item of a list",
  "sub-workflow": "Runs another published workflow",
  timer: "Waits for a duration or a date",
  signal: "Waits for an external event",
  approval: "Waits for a person's decision",
};

export const Palette = memo(function Palette({ plugins }: { plugins: PluginInfo[] }) {
  const store = useDesignerStore();
  const rf = useReactFlow();
  const [query, setQuery] = useState("");
  const groups = useMemo(() => {
    const all: Array<{ title: string; items: Item[] }> = [
      { title: "Tasks", items: plugins.map((p) => ({ key: `task:${p.type}`, kind: "task" as NodeKind, plugin: p.type, title: p.title, hint: p.description })) },
      ...GROUPS.map((g) => ({ title: g.title, items: g.kinds.map((k) => ({ key: k, kind: k, title: KIND_TITLES[k], hint: HINTS[k] ?? "" })) })),
    ];
    const q = query.trim().toLowerCase();
    return all.map((g) => ({ ...g, items: q ? g.items.filter((i) => `${i.title} ${i.hint} ${i.plugin ?? i.kind}`.toLowerCase().includes(q)) : g.items })).filter((g) => g.items.length);
  }, [plugins, query]);

  const onDragStart = (e: DragEvent, item: Item) => {
    e.dataTransfer.setData(PALETTE_MIME, JSON.stringify({ kind: item.kind, plugin: item.plugin }));
    e.dataTransfer.effectAllowed = "copy";
  };
  const addAtCentre = (item: Item) => {
    const el = document.querySelector(".canvas");
    const r = el?.getBoundingClientRect();
    const p = rf.screenToFlowPosition({ x: (r?.left ?? 0) + (r?.width ?? 600) / 2, y: (r?.top ?? 0) + (r?.height ?? 400) / 2 });
    addAt(store, item.kind, item.plugin, { x: Math.round(p.x / 10) * 10, y: Math.round(p.y / 10) * 10 });
  };

  return (
    <aside className="palette" aria-label="Palette">
      <input className="palette-search" type="search" placeholder="Search steps…" aria-label="Search the palette" value={query} onChange={(e) => setQuery(e.target.value)} />
      {groups.map((g) => (
        <section key={g.title} className="palette-group">
          <h3>{g.title}</h3>
          <ul>
            {g.items.map((item) => (
              <li key={item.key}>
                <button
                  type="button"
                  className="palette-item"
                  draggable
                  data-testid={`palette-${item.plugin ? `task-${item.plugin}` : item.kind}`}
                  title={`${item.hint}\nDrag onto the canvas, or press Enter to add it.`}
                  onDragStart={(e) => onDragStart(e, item)}
                  onClick={() => addAtCentre(item)}
                >
                  <span className={`palette-glyph glyph-${item.kind}`}>{item.kind === "task" ? <Icon name={iconName("task", item.plugin)} /> : null}</span>
                  <span className="palette-title">{item.title}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
      {groups.length === 0 ? <p className="muted">Nothing matches “{query}”.</p> : null}
    </aside>
  );
});
