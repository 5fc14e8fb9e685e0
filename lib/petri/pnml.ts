/**
 * PNML (ISO/IEC 15909-2, pnml.org) place/transition nets: import and export.
 * Import reads places, transitions, arcs, arc weights (inscriptions), initial markings and names
 * from every page (nested pages too) with fast-xml-parser. Export writes the same, plus Petrel's
 * own extensions (where each element came from in the workflow, reset arcs, OR-joins) in a
 * <toolspecific tool="petrel"> element, so JSON -> PNML -> net keeps the whole net.
 * Bad input gives errors naming the element (and its line), never a partial net.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import type { Net, Origin, Place, Transition } from "./net";

export type PnmlError = { message: string; elementId?: string; line?: number };
export type PnmlImport = { ok: true; net: Net; name: string } | { ok: false; errors: PnmlError[] };

type XmlNode = Record<string, unknown> & { [key: symbol]: { startIndex?: number } | undefined };

const META = XMLParser.getMetaDataSymbol() as unknown as symbol;
const PETREL_TOOL = "petrel";

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function lineAt(xml: string, index: number | undefined): number | undefined {
  if (index === undefined) return undefined;
  let line = 1;
  for (let i = 0; i < index && i < xml.length; i++) if (xml.charCodeAt(i) === 10) line++;
  return line;
}

const asArray = (v: unknown): XmlNode[] => (v === undefined ? [] : Array.isArray(v) ? (v as XmlNode[]) : [v as XmlNode]);
const textOf = (v: unknown): string | undefined => {
  const node = asArray(v)[0];
  if (!node) return undefined;
  const t = node.text;
  if (t === undefined || t === null) return undefined;
  return String(typeof t === "object" ? ((t as XmlNode)["#text"] ?? "") : t).trim();
};

/** Parses a PNML document holding one P/T net. */
export function importPnml(xml: string): PnmlImport {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    return { ok: false, errors: [{ message: `invalid XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`, line: valid.err.line }] };
  }
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", removeNSPrefix: true, captureMetaData: true, parseTagValue: false, isArray: (name) => ["net", "page", "place", "transition", "arc", "toolspecific", "referencePlace", "referenceTransition", "reset", "watch"].includes(name) });
  const doc = parser.parse(xml) as XmlNode;
  const errors: PnmlError[] = [];
  const root = doc.pnml as XmlNode | undefined;
  if (!root) return { ok: false, errors: [{ message: "not a PNML document: the root element must be <pnml>" }] };
  const nets = asArray(root.net);
  if (nets.length !== 1) return { ok: false, errors: [{ message: `the document holds ${nets.length} nets; Petrel reads exactly one` }] };
  const net = nets[0]!;
  const type = String(net["@type"] ?? "");
  if (type && !/ptnet$/i.test(type)) errors.push({ message: `net type "${type}" is not a place/transition net (ptnet)`, elementId: String(net["@id"] ?? "") });

  const places: Place[] = [];
  const transitions: Transition[] = [];
  const initial: number[] = [];
  const placeIndex = new Map<string, number>();
  const transitionIndex = new Map<string, number>();
  const arcs: XmlNode[] = [];
  const seen = new Set<string>();
  const where = (n: XmlNode) => lineAt(xml, n[META]?.startIndex);
  const idOf = (n: XmlNode, kind: string): string | undefined => {
    const id = n["@id"];
    if (typeof id !== "string" || id === "") {
      errors.push({ message: `a ${kind} has no id`, line: where(n) });
      return undefined;
    }
    if (seen.has(id)) {
      errors.push({ message: `duplicate id "${id}"`, elementId: id, line: where(n) });
      return undefined;
    }
    seen.add(id);
    return id;
  };
  const toolOf = (n: XmlNode) => asArray(n.toolspecific).find((t) => t["@tool"] === PETREL_TOOL);

  const walk = (container: XmlNode) => {
    for (const p of asArray(container.place)) {
      const id = idOf(p, "place");
      if (id === undefined) continue;
      const raw = textOf(p.initialMarking) ?? "0";
      const tokens = Number(raw);
      if (!/^\d+$/.test(raw) || tokens > 255) errors.push({ message: `place "${id}" has initial marking "${raw}"; expected a whole number from 0 to 255`, elementId: id, line: where(p) });
      const tool = toolOf(p);
      const origin: Origin = {};
      if (tool?.["@node"]) origin.nodeId = String(tool["@node"]);
      if (tool?.["@edge"]) origin.edgeId = String(tool["@edge"]);
      placeIndex.set(id, places.length);
      places.push({ id, label: textOf(p.name) || id, origin });
      initial.push(Number.isFinite(tokens) ? Math.min(tokens, 255) : 0);
    }
    for (const t of asArray(container.transition)) {
      const id = idOf(t, "transition");
      if (id === undefined) continue;
      const tool = toolOf(t);
      const origin: Origin = {};
      if (tool?.["@node"]) origin.nodeId = String(tool["@node"]);
      if (tool?.["@edge"]) origin.edgeId = String(tool["@edge"]);
      const tr: Transition = { id, label: textOf(t.name) || id, origin, inputs: [], outputs: [] };
      if (tool) {
        const resets = asArray(tool.reset).map((r) => String(r["@place"]));
        const watch = asArray(tool.watch).map((r) => String(r["@place"]));
        if (resets.length) (tr as Transition & { _resets?: string[] })._resets = resets;
        if (tool["@orJoin"] === "true") (tr as Transition & { _watch?: string[] })._watch = watch;
        if (tool["@group"]) tr.group = String(tool["@group"]);
      }
      transitionIndex.set(id, transitions.length);
      transitions.push(tr);
    }
    for (const a of asArray(container.arc)) arcs.push(a);
    for (const r of [...asArray(container.referencePlace), ...asArray(container.referenceTransition)]) {
      errors.push({ message: `reference node "${String(r["@id"] ?? "")}" is not supported: flatten the net's pages`, elementId: String(r["@id"] ?? ""), line: where(r) });
    }
    for (const page of asArray(container.page)) walk(page);
  };
  walk(net);

  for (const a of arcs) {
    const id = idOf(a, "arc") ?? "?";
    const source = String(a["@source"] ?? "");
    const target = String(a["@target"] ?? "");
    const raw = textOf(a.inscription) ?? "1";
    const weight = Number(raw);
    if (!/^\d+$/.test(raw) || weight < 1 || weight > 255) {
      errors.push({ message: `arc "${id}" has inscription "${raw}"; expected a whole number from 1 to 255`, elementId: id, line: where(a) });
      continue;
    }
    if (placeIndex.has(source) && transitionIndex.has(target)) {
      transitions[transitionIndex.get(target)!]!.inputs.push({ place: placeIndex.get(source)!, weight });
    } else if (transitionIndex.has(source) && placeIndex.has(target)) {
      transitions[transitionIndex.get(source)!]!.outputs.push({ place: placeIndex.get(target)!, weight });
    } else {
      const unknown = [source, target].filter((x) => !placeIndex.has(x) && !transitionIndex.has(x));
      const why = unknown.length ? `names unknown node${unknown.length > 1 ? "s" : ""} ${unknown.map((u) => `"${u}"`).join(" and ")}` : "must connect a place and a transition";
      errors.push({ message: `arc "${id}" ${why}`, elementId: id, line: where(a) });
    }
  }
  for (const t of transitions as Array<Transition & { _resets?: string[]; _watch?: string[] }>) {
    if (t._resets) t.resets = t._resets.map((p) => placeIndex.get(p)).filter((p): p is number => p !== undefined);
    if (t._watch) t.orJoin = { watch: t._watch.map((p) => placeIndex.get(p)).filter((p): p is number => p !== undefined) };
    delete t._resets;
    delete t._watch;
  }
  if (errors.length) return { ok: false, errors };
  const consumed = new Set(transitions.flatMap((t) => t.inputs.map((a) => a.place)));
  const sinks = places.map((_, i) => i).filter((i) => !consumed.has(i));
  return { ok: true, net: { places, transitions, initial, sinks }, name: textOf(net.name) ?? String(net["@id"] ?? "net") };
}

/** Writes a net as PNML, with Petrel's extensions in <toolspecific tool="petrel">. */
export function exportPnml(net: Net, name = "workflow"): string {
  const out: string[] = [];
  const tool = (attrs: Record<string, string | undefined>, inner = "") => {
    const a = Object.entries(attrs)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => ` ${k}="${escapeXml(v!)}"`)
      .join("");
    return a || inner ? `<toolspecific tool="${PETREL_TOOL}" version="1"${a}>${inner}</toolspecific>` : "";
  };
  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push('<pnml xmlns="http://www.pnml.org/version-2009/grammar/pnml">');
  out.push(`  <net id="net" type="http://www.pnml.org/version-2009/grammar/ptnet">`);
  out.push(`    <name><text>${escapeXml(name)}</text></name>`);
  out.push('    <page id="page">');
  net.places.forEach((p, i) => {
    const marking = net.initial[i] ? `<initialMarking><text>${net.initial[i]}</text></initialMarking>` : "";
    out.push(`      <place id="${escapeXml(p.id)}"><name><text>${escapeXml(p.label)}</text></name>${marking}${tool({ node: p.origin.nodeId, edge: p.origin.edgeId })}</place>`);
  });
  net.transitions.forEach((t) => {
    const inner = [...(t.resets ?? []).map((p) => `<reset place="${escapeXml(net.places[p]!.id)}"/>`), ...(t.orJoin?.watch ?? []).map((p) => `<watch place="${escapeXml(net.places[p]!.id)}"/>`)].join("");
    out.push(`      <transition id="${escapeXml(t.id)}"><name><text>${escapeXml(t.label)}</text></name>${tool({ node: t.origin.nodeId, edge: t.origin.edgeId, orJoin: t.orJoin ? "true" : undefined, group: t.group }, inner)}</transition>`);
  });
  let n = 0;
  const arc = (source: string, target: string, weight: number) =>
    out.push(`      <arc id="a${n++}" source="${escapeXml(source)}" target="${escapeXml(target)}">${weight !== 1 ? `<inscription><text>${weight}</text></inscription>` : ""}</arc>`);
  for (const t of net.transitions) {
    for (const a of t.inputs) arc(net.places[a.place]!.id, t.id, a.weight);
    for (const a of t.outputs) arc(t.id, net.places[a.place]!.id, a.weight);
  }
  out.push("    </page>");
  out.push("  </net>");
  out.push("</pnml>");
  return `${out.join("\n")}\n`;
}
