/**
 * BPMN 2.0 XML importer: turns the one process of a BPMN document (as Camunda Modeler, bpmn-js,
 * Camunda 7 or Camunda 8 / Zeebe write it) into a Petrel {@link WorkflowGraph}.
 *
 * Every behavioural element is either mapped or reported as an error; only documentation-like
 * elements (annotations, data objects, lanes, the diagram, unused extensions...) are skipped, and
 * each skipped kind is counted in `warnings`. A returned graph always passes {@link parseWorkflow}.
 *
 * Mapping in short: start/end/terminate events, all task types (user and manual tasks become
 * `approval`, receive tasks `signal`), exclusive/parallel/inclusive gateways (a gateway with
 * several incoming and several outgoing flows becomes a merge `id` plus a split `id__split`),
 * event-based gateways, timer/message/signal catch events, none/message throw events, call
 * activities, multi-instance activities (`for-each`), interrupting boundary events (error edges)
 * and embedded sub-processes (flattened). Activities, events and sub-processes with several
 * incoming flows get an explicit `exclusive-merge` (`id__merge`), and with several outgoing flows
 * an explicit `parallel-split` or, when some of the flows are conditional, `inclusive-split`
 * (`id__split`), as BPMN gives them those meanings implicitly.
 *
 * @example
 * const result = await importBpmn(xmlText);
 * if (result.ok) save(result.graph); else for (const e of result.errors) console.log(e.line, e.message);
 */
// @ts-expect-error -- bpmn-moddle 10 publishes types for its meta-model only ("bpmn-moddle/types"), not for its entry point.
import { BpmnModdle } from "bpmn-moddle";
import { parseWorkflow, type NodeKind, type WorkflowEdge, type WorkflowGraph, type WorkflowNode } from "./schema";
import { analyseExpression } from "../expressions";

/** One reason a document cannot be imported; `line` is 1-based when known. */
export type BpmnImportError = { message: string; elementId?: string; elementType?: string; line?: number };
/** The graph with notes on what was skipped or converted, or every problem found. */
export type BpmnImportResult = { ok: true; graph: WorkflowGraph; warnings: string[] } | { ok: false; errors: BpmnImportError[] };

// ---------------------------------------------------------------------------------------------
// The few bpmn-moddle shapes this module reads. Elements are read through the helpers below, so
// no untyped value leaves them.

/** An element as bpmn-moddle builds it: `$type` (e.g. "bpmn:Task") plus its properties. */
interface ModdleElement {
  readonly $type: string;
  readonly [property: string]: unknown;
}
interface ModdleWarning {
  readonly message?: unknown;
  readonly element?: unknown;
  readonly property?: unknown;
  readonly value?: unknown;
}
interface ModdleParseResult {
  readonly rootElement?: unknown;
  readonly warnings?: readonly ModdleWarning[];
}
interface ModdleReader {
  fromXML(xml: string): Promise<ModdleParseResult>;
}

let reader: ModdleReader | undefined;
const moddle = (): ModdleReader => (reader ??= new (BpmnModdle as new () => ModdleReader)());

const isElement = (v: unknown): v is ModdleElement => typeof v === "object" && v !== null && typeof (v as { $type?: unknown }).$type === "string";
const child = (el: ModdleElement | undefined, name: string): ModdleElement | undefined => {
  const v = el?.[name];
  return isElement(v) ? v : undefined;
};
const children = (el: ModdleElement | undefined, name: string): ModdleElement[] => {
  const v = el?.[name];
  return Array.isArray(v) ? v.filter(isElement) : [];
};
const str = (el: ModdleElement | undefined, name: string): string | undefined => {
  const v = el?.[name];
  return typeof v === "string" ? v : undefined;
};
const idOf = (el: ModdleElement | undefined): string | undefined => str(el, "id");
const bodyOf = (el: ModdleElement | undefined): string => (str(el, "body") ?? "").trim();

// ---------------------------------------------------------------------------------------------

const ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0";
const CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn";
const CONVENTIONAL_PREFIXES: Record<string, string> = { zeebe: ZEEBE_NS, camunda: CAMUNDA_NS };

const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
const ID_RULE = "ids are 1 to 64 letters, digits and _ . : -";
/** The same ISO 8601 duration check as the workflow schema's timer config. */
const ISO_DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_LABEL = 200;
const MAX_CONDITION = 2000;

const MERGE_KINDS: ReadonlySet<NodeKind> = new Set(["exclusive-merge", "parallel-join", "inclusive-join"]);
const SPLIT_KINDS: ReadonlySet<NodeKind> = new Set(["exclusive-split", "parallel-split", "inclusive-split", "event-choice"]);
const CONDITIONAL_SPLITS: ReadonlySet<NodeKind> = new Set(["exclusive-split", "inclusive-split"]);
const GATEWAY_TYPES: ReadonlySet<string> = new Set(["bpmn:ExclusiveGateway", "bpmn:ParallelGateway", "bpmn:InclusiveGateway", "bpmn:EventBasedGateway", "bpmn:ComplexGateway"]);
const TASK_TYPES: ReadonlySet<string> = new Set([
  "bpmn:Task",
  "bpmn:ServiceTask",
  "bpmn:SendTask",
  "bpmn:BusinessRuleTask",
  "bpmn:ScriptTask",
  "bpmn:UserTask",
  "bpmn:ManualTask",
  "bpmn:ReceiveTask",
  "bpmn:CallActivity",
]);
/** Elements whose references do not matter to the graph: a dangling one is only a warning. */
const REFERENCES_IGNORED: ReadonlySet<string> = new Set([
  "bpmn:Association",
  "bpmn:DataInputAssociation",
  "bpmn:DataOutputAssociation",
  "bpmn:DataObjectReference",
  "bpmn:Group",
  "bpmn:Lane",
  "bpmn:MessageFlow",
  "bpmn:Participant",
]);
/** Flow elements that carry no behaviour: skipped and counted. */
const DATA_TYPES: ReadonlySet<string> = new Set(["bpmn:DataObject", "bpmn:DataObjectReference", "bpmn:DataStoreReference"]);

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);
const localName = (type: string): string => type.slice(type.indexOf(":") + 1);
/** "bpmn:ComplexGateway" -> "complexGateway", as the XML spells the tag. */
const typeName = (type: string): string => (type.startsWith("bpmn:") ? lowerFirst(localName(type)) : type.startsWith("bpmndi:") ? localName(type) : type);
const describe = (el: ModdleElement): string => `${typeName(el.$type)} "${idOf(el) ?? "(no id)"}"`;
/** "bpmn:TimerEventDefinition" -> "timer". */
const definitionKind = (def: ModdleElement): string => lowerFirst(localName(def.$type).replace(/EventDefinition$/, ""));
const label = (name: string | undefined): string | undefined => {
  const s = name?.replace(/\s+/g, " ").trim();
  return s ? s.slice(0, MAX_LABEL) : undefined;
};
const stripFeel = (s: string): string => (s.startsWith("=") ? s.slice(1).trim() : s);
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Where a derived node sits relative to the shape of the element it comes from. */
type Place = "self" | "before" | "after" | "inside-end";
type Draft = Omit<WorkflowNode, "position"> & { anchor: string; place: Place };
type Bounds = { x: number; y: number; width: number; height: number };
/** What a BPMN flow node became: flows into it go to `entry`, flows out of it leave `exit`. */
type Unit = { el: ModdleElement; entry: string; exit: string; activity?: string; merge?: string; split?: string };
type Boundary = { activity: string; label: string; single: boolean };

/** moddle's message for a parse problem: "unparsable content <tag> detected\n\tline: 3\n\tcolumn: 0\n\tnested error: ...". */
const UNPARSABLE = /^unparsable content ([\s\S]*?)\s*detected\s*line: (\d+)\s*column: (\d+)\s*nested error: ([\s\S]*)$/;
type Unparsable = { near: string; line: number; column: number; problem: string };
const unparsable = (message: string): Unparsable | undefined => {
  const m = UNPARSABLE.exec(message);
  if (!m) return undefined;
  // moddle counts lines and columns from 0.
  return { near: (m[1] ?? "").trim(), line: Number(m[2]) + 1, column: Number(m[3]) + 1, problem: (m[4] ?? "").trim() };
};
const tagType = (near: string): string | undefined => {
  const m = /^<\/?(?:[\w.-]+:)?([\w.-]+)/.exec(near);
  return m?.[1] ? lowerFirst(m[1]) : undefined;
};
const invalidXml = (p: Unparsable): BpmnImportError => ({
  message: `invalid XML at line ${p.line}, column ${p.column}${p.near.startsWith("<") ? ` (${p.near})` : p.near ? ` (near "${p.near.slice(0, 40)}")` : ""}: ${p.problem}`,
  line: p.line,
});

/**
 * Imports a BPMN 2.0 XML document. Never throws: a document that cannot be imported gives
 * `ok: false` with every problem found, each naming the element (id and BPMN type) and, where it
 * can be found, its line.
 */
export async function importBpmn(xml: string): Promise<BpmnImportResult> {
  if (typeof xml !== "string") return { ok: false, errors: [{ message: "the input must be BPMN 2.0 XML text" }] };
  if (!xml.trim()) return { ok: false, errors: [{ message: "the document is empty" }] };
  let parsed: ModdleParseResult;
  try {
    parsed = await moddle().fromXML(xml);
  } catch (e) {
    return { ok: false, errors: parseFailure(e, xml) };
  }
  try {
    return new Importer(xml).run(parsed);
  } catch (e) {
    return { ok: false, errors: [{ message: `internal error while importing BPMN: ${messageOf(e)}` }] };
  }
}

function parseFailure(e: unknown, xml: string): BpmnImportError[] {
  const message = messageOf(e);
  const p = unparsable(message);
  if (p && /^unexpected end of file/.test(p.problem)) {
    // At the end of the input the XML parser gives no useful position: name the last line.
    const line = xml.trimEnd().split(/\r\n|\r|\n/).length;
    return [{ message: `invalid XML at line ${line}: unexpected end of file (an element is not closed)`, line }];
  }
  if (p) return [invalidXml(p)];
  if (/^failed to parse document as/.test(message)) {
    const warnings: unknown = typeof e === "object" && e !== null ? (e as { warnings?: unknown }).warnings : undefined;
    const first = (Array.isArray(warnings) ? warnings : [])
      .map((w: { message?: unknown }) => (typeof w.message === "string" ? unparsable(w.message) : undefined))
      .find((u) => u !== undefined);
    return [
      {
        message: `not a BPMN 2.0 document: the root element must be <definitions> in the namespace http://www.omg.org/spec/BPMN/20100524/MODEL${first ? ` (found ${first.near} at line ${first.line})` : ""}`,
        ...(first ? { line: first.line } : {}),
      },
    ];
  }
  return [{ message: `invalid XML: ${message}` }];
}

class Importer {
  private readonly errors: BpmnImportError[] = [];
  private readonly warnings: string[] = [];
  private readonly ignored = new Map<string, number>();
  private readonly drafts: Draft[] = [];
  private readonly draftById = new Map<string, Draft>();
  private readonly edges: WorkflowEdge[] = [];
  private readonly units = new Map<string, Unit>();
  private readonly boundaries = new Map<string, Boundary>();
  private readonly bounds = new Map<string, Bounds>();
  /** Elements already reported, so that their flows are not reported again. */
  private readonly failed = new Set<string>();
  /** "elementId|property" of references moddle could not resolve (already reported). */
  private readonly unresolved = new Set<string>();
  private readonly prefixes = new Map<string, string>();
  private readonly usedExtensions = new Set<ModdleElement>();
  private readonly flows: ModdleElement[] = [];
  private readonly boundaryEvents: ModdleElement[] = [];
  private readonly inFlows = new Map<string, ModdleElement[]>();
  private readonly outFlows = new Map<string, ModdleElement[]>();
  private lineStarts: number[] | undefined;

  constructor(private readonly xml: string) {}

  /**
   * BPMN declares no process inputs: variables that conditions and for-each lists read but no
   * element sets are taken to arrive with the start, and declared as inputs (with a warning).
   */
  declaredInputs(nodes: WorkflowNode[]): Record<string, { type: "any"; description: string }> | undefined {
    const set = new Set(nodes.flatMap((n) => n.outputs ?? []));
    const read = new Set<string>();
    const add = (expr: unknown) => {
      if (typeof expr !== "string") return;
      const a = analyseExpression(expr);
      if (a.ok) for (const v of a.variables) if (!set.has(v)) read.add(v);
    };
    for (const e of this.edges) add(e.condition);
    for (const n of nodes) if (n.kind === "for-each") add(n.config?.items);
    if (!read.size) return undefined;
    const names = [...read].sort();
    this.warnings.push(`declared ${names.length} input variable${names.length > 1 ? "s" : ""} read by conditions but set by no element: ${names.join(", ")}`);
    return Object.fromEntries(names.map((v) => [v, { type: "any" as const, description: "read by the imported BPMN model" }]));
  }

  run(parsed: ModdleParseResult): BpmnImportResult {
    const definitions = isElement(parsed.rootElement) ? parsed.rootElement : undefined;
    for (const w of parsed.warnings ?? []) this.parseWarning(w);
    if (!definitions || definitions.$type !== "bpmn:Definitions") {
      return { ok: false, errors: [...this.errors, { message: "not a BPMN 2.0 document: no <definitions> element" }] };
    }
    const attrs = definitions.$attrs;
    if (typeof attrs === "object" && attrs !== null) {
      for (const [key, value] of Object.entries(attrs)) {
        if (key.startsWith("xmlns:") && typeof value === "string") this.prefixes.set(key.slice("xmlns:".length), value);
      }
    }

    const process = this.selectProcess(definitions);
    this.readDiagrams(definitions);
    if (process) {
      this.extras(process);
      this.scan(process);
      this.mapContainer(process, undefined);
      for (const b of this.boundaryEvents) this.mapBoundary(b);
      for (const f of this.flows) this.wire(f);
    }
    for (const [kind, count] of this.ignored) this.warnings.push(`ignored ${count} ${kind}${kind === "BPMNDiagram" ? " (read for positions only)" : ""}`);
    if (this.errors.length > 0) return { ok: false, errors: this.errors };

    const nodes = this.positioned();
    const input = this.declaredInputs(nodes);
    const graph = { petrel: 1, ...(input ? { input } : {}), nodes, edges: this.edges };
    const checked = parseWorkflow(graph);
    if (!checked.ok) return { ok: false, errors: checked.issues.map((i) => ({ message: `the imported graph is invalid at ${i.path}: ${i.message}` })) };
    return { ok: true, graph: checked.graph, warnings: [...new Set(this.warnings)] };
  }

  // -- reporting ------------------------------------------------------------------------------

  private error(el: ModdleElement | undefined, message: string): void {
    if (this.errors.some((e) => e.message === message)) return;
    const id = idOf(el);
    if (id) this.failed.add(id);
    const line = id ? this.lineOf(id) : undefined;
    this.errors.push({ message, ...(id ? { elementId: id } : {}), ...(el ? { elementType: typeName(el.$type) } : {}), ...(line ? { line } : {}) });
  }

  private unsupported(el: ModdleElement, reason: string): void {
    this.error(el, `${describe(el)} is not supported: ${reason}`);
  }

  private warn(message: string): void {
    this.warnings.push(message);
  }

  private ignore(kind: string, count = 1): void {
    if (count > 0) this.ignored.set(kind, (this.ignored.get(kind) ?? 0) + count);
  }

  /** The 1-based line of the element with this id attribute, for error messages. */
  private lineOf(id: string): number | undefined {
    const m = new RegExp(`\\sid\\s*=\\s*["']${id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}["']`).exec(this.xml);
    if (!m) return undefined;
    if (!this.lineStarts) {
      this.lineStarts = [0];
      for (let i = 0; i < this.xml.length; i++) if (this.xml.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    }
    let line = 0;
    while (line + 1 < this.lineStarts.length && (this.lineStarts[line + 1] ?? Infinity) <= m.index + 1) line++;
    return line + 1;
  }

  /** The id attribute of the tag at a 1-based line and column, when moddle dropped the element. */
  private idAt(line: number, column: number): string | undefined {
    const lines = this.xml.split("\n");
    const rest = (lines[line - 1] ?? "").slice(Math.max(0, column - 1)) + "\n" + lines.slice(line).join("\n");
    return /^<[^>]*?\sid\s*=\s*["']([^"']*)["']/.exec(rest)?.[1];
  }

  private parseWarning(w: ModdleWarning): void {
    const message = typeof w.message === "string" ? w.message : "";
    const p = unparsable(message);
    if (p) {
      const type = tagType(p.near) ?? "element";
      let m: RegExpExecArray | null;
      if ((m = /^unknown type <(.+)>$/.exec(p.problem))) {
        const t = typeName(m[1] ?? "");
        const id = this.idAt(p.line, p.column);
        if (id) this.failed.add(id);
        this.errors.push({ message: `${t}${id ? ` "${id}"` : ""} is not supported: unknown BPMN element (line ${p.line})`, ...(id ? { elementId: id } : {}), elementType: t, line: p.line });
      } else if ((m = /^unrecognized element <(.+)>$/.exec(p.problem))) {
        const id = this.idAt(p.line, p.column);
        if (id) this.failed.add(id);
        this.errors.push({ message: `element <${m[1] ?? ""}>${id ? ` "${id}"` : ""} is not supported: it is not BPMN 2.0 and not inside extensionElements (line ${p.line})`, ...(id ? { elementId: id } : {}), elementType: m[1] ?? "", line: p.line });
      } else if ((m = /^illegal ID <(.*)>$/.exec(p.problem))) {
        this.failed.add(m[1] ?? "");
        this.errors.push({ message: `${type} "${m[1] ?? ""}": the id is not valid (${ID_RULE})`, elementId: m[1] ?? "", elementType: type, line: p.line });
      } else if ((m = /^duplicate ID <(.*)>$/.exec(p.problem))) {
        this.failed.add(m[1] ?? "");
        this.errors.push({ message: `${type} "${m[1] ?? ""}": the id is used twice`, elementId: m[1] ?? "", elementType: type, line: p.line });
      } else {
        this.errors.push(invalidXml(p));
      }
      return;
    }
    const el = isElement(w.element) ? w.element : undefined;
    let m: RegExpExecArray | null;
    if ((m = /^unresolved reference <(.*)>$/.exec(message)) && el) {
      const target = m[1] ?? "";
      const property = localName(typeof w.property === "string" ? w.property : "reference");
      if (!el.$type.startsWith("bpmn:")) {
        this.warn(`ignored a diagram element for unknown element "${target}"`);
        return;
      }
      // Flow nodes' incoming/outgoing lists repeat what the sequence flows say; the flows decide.
      if (REFERENCES_IGNORED.has(el.$type) || property === "incoming" || property === "outgoing") {
        this.warn(`ignored the reference of ${describe(el)} to unknown element "${target}" (${property})`);
        return;
      }
      this.unresolved.add(`${idOf(el) ?? ""}|${property}`);
      if (!this.failed.has(target)) this.error(el, `${describe(el)}: ${property} "${target}" names no element`);
      else if (idOf(el)) this.failed.add(idOf(el) ?? "");
    } else if ((m = /^unknown attribute <(.*)>$/.exec(message))) {
      this.warn(`ignored unknown attribute "${m[1] ?? ""}"${el ? ` on ${describe(el)}` : ""}`);
    } else if (message) {
      this.warn(message);
    }
  }

  // -- extensions -----------------------------------------------------------------------------

  private namespaceOf(qualified: string): string | undefined {
    const i = qualified.indexOf(":");
    if (i < 0) return undefined;
    const prefix = qualified.slice(0, i);
    return this.prefixes.get(prefix) ?? CONVENTIONAL_PREFIXES[prefix];
  }

  /** The first extension element `namespace:name` of `el`, marked as used. */
  private extension(el: ModdleElement | undefined, namespace: string, name: string): ModdleElement | undefined {
    const found = children(child(el, "extensionElements"), "values").find((v) => localName(v.$type) === name && this.namespaceOf(v.$type) === namespace);
    if (found) this.usedExtensions.add(found);
    return found;
  }

  /** An extension attribute such as camunda:assignee="...". */
  private attribute(el: ModdleElement | undefined, namespace: string, name: string): string | undefined {
    const attrs = el?.$attrs;
    if (typeof attrs !== "object" || attrs === null) return undefined;
    for (const [key, value] of Object.entries(attrs)) {
      if (typeof value === "string" && localName(key) === name && key.includes(":") && this.namespaceOf(key) === namespace) return value;
    }
    return undefined;
  }

  /** Counts what an element carries that the import does not use. Call after mapping it. */
  private extras(el: ModdleElement | undefined): void {
    if (!el) return;
    this.ignore("documentation", children(el, "documentation").length);
    for (const v of children(child(el, "extensionElements"), "values")) {
      if (this.usedExtensions.has(v)) continue;
      const ns = this.namespaceOf(v.$type);
      const prefix = ns === ZEEBE_NS ? "zeebe" : ns === CAMUNDA_NS ? "camunda" : undefined;
      this.ignore(prefix ? `${prefix}:${localName(v.$type)}` : v.$type);
    }
    for (const name of ["dataInputAssociations", "dataOutputAssociations", "properties"]) {
      for (const c of children(el, name)) this.ignore(typeName(c.$type));
    }
    const io = child(el, "ioSpecification");
    if (io) this.ignore("ioSpecification");
  }

  // -- document level -------------------------------------------------------------------------

  private selectProcess(definitions: ModdleElement): ModdleElement | undefined {
    const roots = children(definitions, "rootElements");
    const processes = roots.filter((r) => r.$type === "bpmn:Process");
    const pools = new Map<string, string>();
    for (const collaboration of roots.filter((r) => r.$type === "bpmn:Collaboration")) {
      for (const participant of children(collaboration, "participants")) {
        const ref = child(participant, "processRef");
        if (ref) pools.set(idOf(ref) ?? "", label(str(participant, "name")) ?? idOf(participant) ?? "");
        else this.ignore("participant (black-box pool)");
        this.extras(participant);
      }
      this.ignore("messageFlow", children(collaboration, "messageFlows").length);
      this.artifacts(collaboration);
      this.extras(collaboration);
    }
    const busy = processes.filter((p) => children(p, "flowElements").length > 0);
    if (processes.length === 0) {
      this.error(undefined, "the document has no process (bpmn:process); Petrel imports exactly one process");
      return undefined;
    }
    if (busy.length > 1) {
      const named = busy.map((p) => `"${idOf(p) ?? "(no id)"}"${pools.has(idOf(p) ?? "") ? ` (pool "${pools.get(idOf(p) ?? "")}")` : ""}`);
      this.errors.push({
        message: `the document has ${busy.length} processes: ${named.join(", ")}; Petrel imports exactly one process, so keep one pool or import each process separately`,
        elementType: "process",
      });
      return undefined;
    }
    const chosen = busy[0] ?? processes[0];
    for (const p of processes) if (p !== chosen) this.warn(`ignored empty process "${idOf(p) ?? "(no id)"}"`);
    return chosen;
  }

  private artifacts(container: ModdleElement): void {
    for (const a of children(container, "artifacts")) {
      this.ignore(typeName(a.$type));
      this.extras(a);
    }
  }

  private readDiagrams(definitions: ModdleElement): void {
    for (const diagram of children(definitions, "diagrams")) {
      this.ignore("BPMNDiagram");
      for (const shape of children(child(diagram, "plane"), "planeElement")) {
        const id = idOf(child(shape, "bpmnElement"));
        const b = child(shape, "bounds");
        const [x, y, width, height] = ["x", "y", "width", "height"].map((k) => b?.[k]);
        if (shape.$type === "bpmndi:BPMNShape" && id && typeof x === "number" && typeof y === "number" && !this.bounds.has(id)) {
          this.bounds.set(id, { x, y, width: typeof width === "number" ? width : 0, height: typeof height === "number" ? height : 0 });
        }
      }
    }
  }

  /** First pass: sequence flows, incoming/outgoing counts, boundary events, ignored items. */
  private scan(container: ModdleElement): void {
    this.artifacts(container);
    for (const laneSet of children(container, "laneSets")) this.lanes(laneSet);
    for (const el of children(container, "flowElements")) {
      if (el.$type === "bpmn:SequenceFlow") {
        this.flows.push(el);
        const source = idOf(child(el, "sourceRef"));
        const target = idOf(child(el, "targetRef"));
        if (source) this.outFlows.set(source, [...(this.outFlows.get(source) ?? []), el]);
        if (target) this.inFlows.set(target, [...(this.inFlows.get(target) ?? []), el]);
      } else if (el.$type === "bpmn:BoundaryEvent") {
        this.boundaryEvents.push(el);
      } else if (el.$type === "bpmn:SubProcess" && el.triggeredByEvent !== true) {
        this.scan(el);
      }
    }
  }

  private lanes(laneSet: ModdleElement): void {
    this.ignore("laneSet");
    for (const lane of children(laneSet, "lanes")) {
      this.ignore("lane");
      this.extras(lane);
      const nested = child(lane, "childLaneSet");
      if (nested) this.lanes(nested);
    }
  }

  // -- nodes ----------------------------------------------------------------------------------

  private checkId(el: ModdleElement): string | undefined {
    const id = idOf(el);
    if (!id) {
      this.error(el, `${typeName(el.$type)}${str(el, "name") ? ` "${str(el, "name") ?? ""}"` : ""} has no id`);
      return undefined;
    }
    if (!ID_PATTERN.test(id)) {
      this.error(el, `${describe(el)}: the id is not valid (${ID_RULE})`);
      return undefined;
    }
    return id;
  }

  /** A node id made from a BPMN id; reported when it would be too long. */
  private derivedId(el: ModdleElement, suffix: string): string | undefined {
    const id = `${idOf(el) ?? ""}${suffix}`;
    if (ID_PATTERN.test(id)) return id;
    if (!this.failed.has(idOf(el) ?? "")) this.error(el, `${describe(el)}: the id is too long to derive "${id}" from it (${ID_RULE})`);
    return undefined;
  }

  private addNode(node: Omit<Draft, "anchor" | "place">, anchor: string = node.id, place: Place = "self"): void {
    const draft: Draft = { ...node, anchor, place };
    this.drafts.push(draft);
    this.draftById.set(draft.id, draft);
  }

  private addEdge(edge: WorkflowEdge): void {
    this.edges.push(edge);
  }

  private count(map: Map<string, ModdleElement[]>, el: ModdleElement): number {
    return map.get(idOf(el) ?? "")?.length ?? 0;
  }

  /** Maps the flow nodes of a process or sub-process; gives the start and end events of a sub-process. */
  private mapContainer(container: ModdleElement, sub: ModdleElement | undefined): { starts: ModdleElement[]; ends: ModdleElement[] } {
    const starts: ModdleElement[] = [];
    const ends: ModdleElement[] = [];
    for (const el of children(container, "flowElements")) {
      if (el.$type === "bpmn:SequenceFlow" || el.$type === "bpmn:BoundaryEvent") continue;
      if (DATA_TYPES.has(el.$type)) {
        this.ignore(typeName(el.$type));
        this.extras(el);
        continue;
      }
      if (el.$type === "bpmn:StartEvent") starts.push(el);
      if (el.$type === "bpmn:EndEvent") ends.push(el);
      this.mapNode(el, sub);
      this.extras(el);
    }
    return { starts, ends };
  }

  private mapNode(el: ModdleElement, sub: ModdleElement | undefined): void {
    if (!this.checkId(el)) return;
    const type = el.$type;
    if (type === "bpmn:StartEvent") this.startEvent(el, sub);
    else if (type === "bpmn:EndEvent") this.endEvent(el, sub);
    else if (type === "bpmn:IntermediateCatchEvent") this.catchEvent(el);
    else if (type === "bpmn:IntermediateThrowEvent") this.throwEvent(el);
    else if (TASK_TYPES.has(type)) this.activity(el);
    else if (type === "bpmn:SubProcess") this.subProcess(el);
    else if (GATEWAY_TYPES.has(type)) this.gateway(el);
    else if (type === "bpmn:Transaction") this.unsupported(el, "Petrel has no transaction sub-process");
    else if (type === "bpmn:AdHocSubProcess") this.unsupported(el, "Petrel has no ad-hoc sub-process");
    else this.unsupported(el, "Petrel has no equivalent");
  }

  /** Registers what a BPMN node became and adds the merge and split BPMN implies on its flows. */
  private unit(el: ModdleElement, entry: string, exit: string, activity?: string): void {
    const u: Unit = { el, entry, exit, ...(activity ? { activity } : {}) };
    const id = idOf(el) ?? "";
    const entryKind = this.draftById.get(entry)?.kind;
    const exitKind = this.draftById.get(exit)?.kind;
    if (this.count(this.inFlows, el) >= 2 && entryKind && !MERGE_KINDS.has(entryKind) && entryKind !== "start") {
      const merge = this.derivedId(el, "__merge");
      const link = this.derivedId(el, "__in");
      if (merge && link) {
        this.addNode({ id: merge, kind: "exclusive-merge" }, id, "before");
        this.addEdge({ id: link, source: merge, target: entry, kind: "flow" });
        u.merge = merge;
      }
    }
    const outgoing = this.outFlows.get(id) ?? [];
    if (outgoing.length >= 2 && exitKind && !SPLIT_KINDS.has(exitKind) && exitKind !== "end" && exitKind !== "terminate-end") {
      const split = this.derivedId(el, "__split");
      const link = this.derivedId(el, "__out");
      if (split && link) {
        const conditional = child(el, "default") !== undefined || outgoing.some((f) => child(f, "conditionExpression") !== undefined);
        this.addNode({ id: split, kind: conditional ? "inclusive-split" : "parallel-split" }, id, "after");
        this.addEdge({ id: link, source: exit, target: split, kind: "flow" });
        u.split = split;
      }
    }
    this.units.set(id, u);
  }

  /** A node that stands for the BPMN element itself (same id). */
  private single(el: ModdleElement, kind: NodeKind, config?: Record<string, unknown>, extra: { label?: string; outputs?: string[] } = {}): void {
    const id = idOf(el) ?? "";
    const l = extra.label ?? label(str(el, "name"));
    this.addNode({ id, kind, ...(l ? { label: l } : {}), ...(config ? { config } : {}), ...(extra.outputs?.length ? { outputs: extra.outputs } : {}) });
    this.unit(el, id, id, kind === "start" || kind === "end" || kind === "terminate-end" || MERGE_KINDS.has(kind) || SPLIT_KINDS.has(kind) ? undefined : id);
  }

  private definitions(el: ModdleElement): ModdleElement[] {
    return [...children(el, "eventDefinitions"), ...children(el, "eventDefinitionRef")];
  }

  private startEvent(el: ModdleElement, sub: ModdleElement | undefined): void {
    const defs = this.definitions(el);
    if (sub) {
      if (defs[0]) return this.unsupported(el, `a ${definitionKind(defs[0])} start event inside an embedded sub-process has no Petrel equivalent; use a none start event`);
      return this.single(el, "exclusive-merge", undefined, { label: label(str(el, "name")) ?? label(str(sub, "name")) });
    }
    if (defs.length > 1) return this.unsupported(el, "events with several event definitions have no Petrel equivalent");
    const kind = defs[0] ? definitionKind(defs[0]) : undefined;
    if (kind && !["message", "timer", "signal"].includes(kind)) return this.unsupported(el, `${kind} start events have no Petrel equivalent`);
    if (this.count(this.inFlows, el) > 0) return this.error(el, `${describe(el)}: a start event has no incoming flows`);
    this.single(el, "start", undefined, { label: label(str(el, "name")) ?? (kind ? `${kind} start` : undefined) });
  }

  private endEvent(el: ModdleElement, sub: ModdleElement | undefined): void {
    const defs = this.definitions(el);
    if (defs.length > 1) return this.unsupported(el, "events with several event definitions have no Petrel equivalent");
    if (this.count(this.outFlows, el) > 0) return this.error(el, `${describe(el)}: an end event has no outgoing flows`);
    const kind = defs[0] ? definitionKind(defs[0]) : undefined;
    if (kind === "terminate") {
      if (sub) return this.unsupported(el, "a terminate end event inside an embedded sub-process has no Petrel equivalent (the sub-process is flattened)");
      return this.single(el, "terminate-end");
    }
    if (kind && !["error", "message", "signal"].includes(kind)) return this.unsupported(el, `${kind} end events have no Petrel equivalent`);
    if (kind) this.warn(`${describe(el)}: the ${kind} end event became a plain end (the ${kind} is not ${kind === "error" ? "raised" : "sent"})`);
    this.single(el, sub ? "exclusive-merge" : "end", undefined, { label: label(str(el, "name")) ?? (kind ? `${kind} end` : undefined) });
  }

  /** A timer definition as timer config, or undefined after reporting why not. */
  private timerConfig(el: ModdleElement, def: ModdleElement): Record<string, unknown> | undefined {
    const duration = child(def, "timeDuration");
    const date = child(def, "timeDate");
    if (child(def, "timeCycle")) {
      this.unsupported(el, "timer cycles have no Petrel equivalent");
    } else if (duration) {
      const body = stripFeel(bodyOf(duration));
      if (ISO_DURATION.test(body)) return { duration: body };
      this.unsupported(el, `timer duration "${bodyOf(duration)}" is not an ISO 8601 duration such as PT5M`);
    } else if (date && bodyOf(date)) {
      return { until: bodyOf(date) };
    } else {
      this.error(el, `${describe(el)}: the timer has no duration or date`);
    }
    return undefined;
  }

  /** The name of the message or signal an event or task waits for: its name, else its id, else the element's id. */
  private triggerName(el: ModdleElement, ref: ModdleElement | undefined): string {
    return label(str(ref, "name")) ?? idOf(ref) ?? idOf(el) ?? "";
  }

  private catchEvent(el: ModdleElement): void {
    const defs = this.definitions(el);
    const def = defs[0];
    if (!def) return this.error(el, `${describe(el)} has no event definition`);
    if (defs.length > 1) return this.unsupported(el, "events with several event definitions have no Petrel equivalent");
    const kind = definitionKind(def);
    if (kind === "timer") {
      const config = this.timerConfig(el, def);
      if (config) this.single(el, "timer", config);
    } else if (kind === "message") {
      this.single(el, "signal", { name: this.triggerName(el, child(def, "messageRef")) });
    } else if (kind === "signal") {
      this.single(el, "signal", { name: this.triggerName(el, child(def, "signalRef")) });
    } else {
      this.unsupported(el, `${kind} events have no Petrel equivalent`);
    }
  }

  private throwEvent(el: ModdleElement): void {
    const defs = this.definitions(el);
    const def = defs[0];
    if (defs.length > 1) return this.unsupported(el, "events with several event definitions have no Petrel equivalent");
    if (!def) return this.single(el, "task", { type: "noop" });
    const kind = definitionKind(def);
    if (kind !== "message") return this.unsupported(el, `${kind} throw events have no Petrel equivalent`);
    const message = label(str(child(def, "messageRef"), "name"));
    this.single(el, "task", { type: "send", ...(message ? { message } : {}) });
  }

  private resultVariable(el: ModdleElement, value: string | undefined): string[] | undefined {
    if (!value) return undefined;
    if (VARIABLE_NAME.test(value)) return [value];
    this.warn(`${describe(el)}: ignored result variable "${value}" (not a variable name)`);
    return undefined;
  }

  /** Kind and config of a task or call activity, without its loop. */
  private taskMapping(el: ModdleElement): { kind: NodeKind; config: Record<string, unknown>; outputs?: string[] } | undefined {
    const camundaResult = this.attribute(el, CAMUNDA_NS, "resultVariable");
    switch (el.$type) {
      case "bpmn:Task":
        return { kind: "task", config: { type: "noop" } };
      case "bpmn:ServiceTask":
      case "bpmn:SendTask": {
        const taskType = str(this.extension(el, ZEEBE_NS, "taskDefinition"), "type") ?? this.attribute(el, CAMUNDA_NS, "topic");
        const message = el.$type === "bpmn:SendTask" ? label(str(child(el, "messageRef"), "name")) : undefined;
        const outputs = this.resultVariable(el, camundaResult);
        return {
          kind: "task",
          config: { type: el.$type === "bpmn:SendTask" ? "send" : "service", ...(taskType ? { taskType } : {}), ...(message ? { message } : {}) },
          ...(outputs ? { outputs } : {}),
        };
      }
      case "bpmn:BusinessRuleTask": {
        const decision = this.extension(el, ZEEBE_NS, "calledDecision");
        const decisionId = str(decision, "decisionId") ?? this.attribute(el, CAMUNDA_NS, "decisionRef");
        const outputs = this.resultVariable(el, str(decision, "resultVariable") ?? camundaResult);
        return { kind: "task", config: { type: "rule", ...(decisionId ? { decision: decisionId } : {}) }, ...(outputs ? { outputs } : {}) };
      }
      case "bpmn:ScriptTask": {
        const zeebe = this.extension(el, ZEEBE_NS, "script");
        const inline = str(el, "script")?.trim();
        const expression = str(zeebe, "expression")?.trim();
        const outputs = this.resultVariable(el, str(zeebe, "resultVariable") ?? camundaResult);
        const format = str(el, "scriptFormat")?.trim();
        if (inline) return { kind: "task", config: { type: "script", source: inline, ...(format ? { language: format } : {}) }, ...(outputs ? { outputs } : {}) };
        if (expression) return { kind: "task", config: { type: "script", source: stripFeel(expression), language: "feel" }, ...(outputs ? { outputs } : {}) };
        this.error(el, `${describe(el)} has no inline script`);
        return undefined;
      }
      case "bpmn:UserTask":
      case "bpmn:ManualTask": {
        const assignee = str(this.extension(el, ZEEBE_NS, "assignmentDefinition"), "assignee") ?? this.attribute(el, CAMUNDA_NS, "assignee");
        return { kind: "approval", config: assignee ? { assignee } : {} };
      }
      case "bpmn:ReceiveTask":
        return { kind: "signal", config: { name: this.triggerName(el, child(el, "messageRef")) } };
      case "bpmn:CallActivity": {
        const workflow = str(el, "calledElement")?.trim() || str(this.extension(el, ZEEBE_NS, "calledElement"), "processId")?.trim();
        if (!workflow) {
          this.error(el, `${describe(el)} has no called element (calledElement, or processId of zeebe:calledElement)`);
          return undefined;
        }
        if (workflow.startsWith("=")) {
          this.unsupported(el, `the called element "${workflow}" is an expression; Petrel needs the name of a workflow`);
          return undefined;
        }
        return { kind: "sub-workflow", config: { workflow } };
      }
      default:
        return undefined;
    }
  }

  private activity(el: ModdleElement): void {
    if (el.isForCompensation === true) return this.unsupported(el, "compensation handlers (isForCompensation) have no Petrel equivalent");
    const mapped = this.taskMapping(el);
    if (!mapped) return;
    const loop = child(el, "loopCharacteristics");
    if (!loop) return this.single(el, mapped.kind, mapped.config, mapped.outputs ? { outputs: mapped.outputs } : {});
    const forEach = this.multiInstance(el, loop, mapped.kind, mapped.config);
    this.extras(loop);
    if (forEach) this.single(el, "for-each", forEach.config, forEach.outputs ? { outputs: forEach.outputs } : {});
  }

  /** The for-each config of a multi-instance activity, or undefined after reporting why not. */
  private multiInstance(el: ModdleElement, loop: ModdleElement, kind: NodeKind, config: Record<string, unknown>): { config: Record<string, unknown>; outputs?: string[] } | undefined {
    if (loop.$type === "bpmn:StandardLoopCharacteristics") {
      this.unsupported(el, "standard loops (standardLoopCharacteristics) have no Petrel equivalent; use multi-instance");
      return undefined;
    }
    if (loop.$type !== "bpmn:MultiInstanceLoopCharacteristics") {
      this.unsupported(el, `${typeName(loop.$type)} has no Petrel equivalent`);
      return undefined;
    }
    if (child(loop, "completionCondition")) {
      this.unsupported(el, "multi-instance completion conditions have no Petrel equivalent");
      return undefined;
    }
    const zeebe = this.extension(loop, ZEEBE_NS, "loopCharacteristics");
    const camundaCollection = this.attribute(loop, CAMUNDA_NS, "collection");
    let items = str(zeebe, "inputCollection")?.trim() || camundaCollection?.trim() || bodyOf(child(loop, "loopCardinality")) || idOf(child(loop, "loopDataInputRef"));
    if (!items) {
      this.error(el, `${describe(el)}: the multi-instance loop has no input collection or loop cardinality`);
      return undefined;
    }
    items = this.expression(el, items);
    const itemVariable = str(zeebe, "inputElement")?.trim() || this.attribute(loop, CAMUNDA_NS, "elementVariable")?.trim();
    const outputs = this.resultVariable(el, str(zeebe, "outputCollection")?.trim());
    const task = kind === "task" ? config : { type: kind, ...config };
    return {
      config: { items, mode: loop.isSequential === true ? "sequential" : "parallel", task, ...(itemVariable ? { itemVariable } : {}) },
      ...(outputs ? { outputs } : {}),
    };
  }

  /** A FEEL or JUEL expression as FEEL: "=x" -> "x", "${x}" -> "x" (with a warning). */
  private expression(el: ModdleElement, raw: string): string {
    const text = raw.trim();
    if (text.startsWith("=")) return stripFeel(text);
    const juel = /^[$#]\{([\s\S]*)\}$/.exec(text);
    if (!juel) return text;
    const inner = (juel[1] ?? "").trim();
    this.warn(`${describe(el)}: converted the JUEL expression ${text} to "${inner}"; check that it is valid FEEL`);
    return inner;
  }

  private subProcess(el: ModdleElement): void {
    if (el.triggeredByEvent === true) return this.unsupported(el, "event sub-processes (triggeredByEvent) have no Petrel equivalent");
    const loop = child(el, "loopCharacteristics");
    if (loop) {
      return this.unsupported(el, loop.$type === "bpmn:StandardLoopCharacteristics" ? "standard loops (standardLoopCharacteristics) have no Petrel equivalent" : "multi-instance embedded sub-processes have no Petrel equivalent; call a sub-workflow instead");
    }
    const { starts, ends } = this.mapContainer(el, el);
    if (starts.length !== 1) return this.error(el, `${describe(el)} must hold exactly one start event (it holds ${starts.length})`);
    if (ends.length === 0) return this.error(el, `${describe(el)} must hold at least one end event`);
    const start = this.units.get(idOf(starts[0]) ?? "");
    const exits = ends.map((e) => this.units.get(idOf(e) ?? "")).filter((u) => u !== undefined);
    if (!start || exits.length !== ends.length) return; // reported with the start or end event
    const single = exits[0];
    if (exits.length === 1 && single) return this.unit(el, start.entry, single.exit);
    const done = this.derivedId(el, "__done");
    if (!done) return;
    this.addNode({ id: done, kind: "inclusive-join", ...(label(str(el, "name")) ? { label: label(str(el, "name")) } : {}) }, idOf(el) ?? "", "inside-end");
    for (const end of exits) {
      const link = this.derivedId(end.el, "__done");
      if (link) this.addEdge({ id: link, source: end.exit, target: done, kind: "flow" });
    }
    this.unit(el, start.entry, done);
  }

  private gateway(el: ModdleElement): void {
    const kinds: Record<string, [NodeKind, NodeKind]> = {
      "bpmn:ExclusiveGateway": ["exclusive-merge", "exclusive-split"],
      "bpmn:ParallelGateway": ["parallel-join", "parallel-split"],
      "bpmn:InclusiveGateway": ["inclusive-join", "inclusive-split"],
      "bpmn:EventBasedGateway": ["exclusive-merge", "event-choice"],
    };
    const pair = kinds[el.$type];
    if (!pair) return this.unsupported(el, "Petrel has no complex gateway");
    if (el.$type === "bpmn:EventBasedGateway") {
      if (el.instantiate === true) return this.unsupported(el, "instantiating event-based gateways have no Petrel equivalent; use start events");
      if (el.eventGatewayType === "Parallel") return this.unsupported(el, "parallel event-based gateways have no Petrel equivalent");
    }
    const [mergeKind, splitKind] = pair;
    const id = idOf(el) ?? "";
    const name = label(str(el, "name"));
    const ins = this.count(this.inFlows, el);
    const outs = this.count(this.outFlows, el);
    const splits = outs >= 2 || el.$type === "bpmn:EventBasedGateway";
    if (splits && ins >= 2) {
      const split = this.derivedId(el, "__split");
      const link = this.derivedId(el, "__link");
      if (!split || !link) return;
      this.addNode({ id, kind: mergeKind });
      this.addNode({ id: split, kind: splitKind, ...(name ? { label: name } : {}) }, id, "after");
      this.addEdge({ id: link, source: id, target: split, kind: "flow" });
      return this.unit(el, id, split);
    }
    this.single(el, splits ? splitKind : mergeKind);
  }

  // -- boundary events and flows --------------------------------------------------------------

  private mapBoundary(b: ModdleElement): void {
    const id = this.checkId(b);
    this.extras(b);
    if (!id) return;
    const host = child(b, "attachedToRef");
    if (!host) {
      if (!this.unresolved.has(`${id}|attachedToRef`)) this.error(b, `${describe(b)} is attached to no activity (attachedToRef)`);
      return;
    }
    if (host.$type === "bpmn:SubProcess") return this.unsupported(b, `boundary events on an embedded sub-process have no Petrel equivalent (subProcess "${idOf(host) ?? ""}" is flattened)`);
    if (b.cancelActivity === false) return this.unsupported(b, "non-interrupting boundary events have no Petrel equivalent");
    const defs = this.definitions(b);
    const def = defs[0];
    if (!def) return this.error(b, `${describe(b)} has no event definition`);
    if (defs.length > 1) return this.unsupported(b, "events with several event definitions have no Petrel equivalent");
    const kind = definitionKind(def);
    if (kind === "compensate") return this.unsupported(b, "compensation boundary events have no Petrel equivalent");
    if (!["error", "timer", "message", "signal"].includes(kind)) return this.unsupported(b, `${kind} boundary events have no Petrel equivalent`);
    const hostUnit = this.units.get(idOf(host) ?? "");
    if (!TASK_TYPES.has(host.$type)) return this.error(b, `${describe(b)}: ${describe(host)} is not an activity`);
    if (!hostUnit) return; // the activity is reported
    if (!hostUnit.activity) return this.error(b, `${describe(b)}: ${describe(host)} is not an activity`);
    if (this.count(this.inFlows, b) > 0) return this.error(b, `${describe(b)}: a boundary event has no incoming flows`);

    let trigger: string;
    if (kind === "error") trigger = str(child(def, "errorRef"), "errorCode") ?? label(str(child(def, "errorRef"), "name")) ?? "";
    else if (kind === "timer") {
      const t = child(def, "timeDuration") ?? child(def, "timeDate") ?? child(def, "timeCycle");
      trigger = stripFeel(bodyOf(t));
      if (!trigger) return this.error(b, `${describe(b)}: the timer has no duration or date`);
    } else trigger = this.triggerName(b, child(def, kind === "message" ? "messageRef" : "signalRef"));
    const edgeLabel = label(`${kind} ${trigger}`) ?? kind;
    if (kind !== "error") this.warn(`${describe(b)}: the interrupting ${kind} boundary event became an error edge from "${hostUnit.activity}" labelled "${edgeLabel}"`);

    const outs = this.count(this.outFlows, b);
    if (outs === 1) {
      this.boundaries.set(id, { activity: hostUnit.activity, label: edgeLabel, single: true });
      return;
    }
    const link = this.derivedId(b, "__link");
    if (!link) return;
    const name = label(str(b, "name"));
    if (outs === 0) this.warn(`${describe(b)} has no outgoing flow; its path ends at once`);
    this.addNode({ id, kind: outs === 0 ? "end" : "parallel-split", ...(name ? { label: name } : {}) });
    this.addEdge({ id: link, source: hostUnit.activity, target: id, kind: "error", label: edgeLabel });
    this.boundaries.set(id, { activity: hostUnit.activity, label: edgeLabel, single: false });
  }

  private condition(flow: ModdleElement): string | undefined {
    const expr = child(flow, "conditionExpression");
    if (!expr) return undefined;
    const raw = bodyOf(expr);
    if (!raw) {
      this.warn(`${describe(flow)}: ignored an empty condition`);
      return undefined;
    }
    const language = str(expr, "language");
    if (language && !/feel/i.test(language)) this.warn(`${describe(flow)}: the condition is in ${language}, not FEEL; copied as it is`);
    const text = this.expression(flow, raw);
    if (text.length > MAX_CONDITION) {
      this.error(flow, `${describe(flow)}: the condition is longer than ${MAX_CONDITION} characters`);
      return undefined;
    }
    return text;
  }

  private wire(flow: ModdleElement): void {
    const id = this.checkId(flow);
    this.extras(flow);
    if (!id) return;
    const source = child(flow, "sourceRef");
    const target = child(flow, "targetRef");
    if (!source || !target) {
      const property = source ? "targetRef" : "sourceRef";
      if (!this.unresolved.has(`${id}|${property}`)) this.error(flow, `${describe(flow)} has no ${property}`);
      return;
    }
    if (flow.$parent !== source.$parent || flow.$parent !== target.$parent) {
      return this.error(flow, `${describe(flow)} crosses the border of a sub-process (from ${describe(source)} to ${describe(target)})`);
    }
    const targetUnit = this.units.get(idOf(target) ?? "");
    if (!targetUnit) {
      if (!this.failed.has(idOf(target) ?? "")) this.error(flow, `${describe(flow)}: ${describe(target)} cannot be the target of a sequence flow`);
      return;
    }
    const to = targetUnit.merge ?? targetUnit.entry;
    const name = label(str(flow, "name"));
    const cond = this.condition(flow);

    if (source.$type === "bpmn:BoundaryEvent") {
      const b = this.boundaries.get(idOf(source) ?? "");
      if (!b) return;
      if (cond !== undefined) this.warn(`${describe(flow)}: ignored the condition on a flow leaving a boundary event`);
      if (b.single) this.addEdge({ id, source: b.activity, target: to, kind: "error", label: b.label });
      else this.addEdge({ id, source: idOf(source) ?? "", target: to, kind: "flow", ...(name ? { label: name } : {}) });
      return;
    }
    const sourceUnit = this.units.get(idOf(source) ?? "");
    if (!sourceUnit) {
      if (!this.failed.has(idOf(source) ?? "")) this.error(flow, `${describe(flow)}: ${describe(source)} cannot be the source of a sequence flow`);
      return;
    }
    const from = sourceUnit.split ?? sourceUnit.exit;
    const fromKind = this.draftById.get(from)?.kind;
    const toKind = this.draftById.get(to)?.kind;
    if (fromKind === "event-choice" && toKind !== "timer" && toKind !== "signal") {
      return this.error(flow, `${describe(flow)}: an event-based gateway must lead straight to intermediate catch events or receive tasks, not to ${describe(target)}`);
    }
    const edge: WorkflowEdge = { id, source: from, target: to, kind: "flow", ...(name ? { label: name } : {}) };
    const isDefault = idOf(child(source, "default")) === id;
    const splits = fromKind !== undefined && CONDITIONAL_SPLITS.has(fromKind);
    if (isDefault) {
      if (splits) edge.isDefault = true;
      else this.warn(`${describe(flow)}: ignored the default mark, as ${describe(source)} does not choose between flows`);
      if (cond !== undefined) this.warn(`${describe(flow)}: ignored the condition on a default flow`);
    } else if (cond !== undefined) {
      if (splits) edge.condition = cond;
      else if (GATEWAY_TYPES.has(source.$type)) this.warn(`${describe(flow)}: ignored the condition, as ${describe(source)} does not choose between flows`);
      else return this.unsupported(flow, `a condition on the only flow leaving ${describe(source)} has no Petrel equivalent; use a gateway`);
    } else if (sourceUnit.split && fromKind === "inclusive-split") {
      // BPMN takes an unconditional flow leaving an activity always, next to the conditional ones.
      edge.condition = "true";
    }
    this.addEdge(edge);
  }

  // -- positions ------------------------------------------------------------------------------

  private positioned(): WorkflowNode[] {
    const place = (d: Draft): { x: number; y: number } | undefined => {
      const b = this.bounds.get(d.anchor);
      if (!b) return undefined;
      const middle = b.y + b.height / 2 - 25;
      if (d.place === "before") return { x: b.x - 80, y: middle };
      if (d.place === "after") return { x: b.x + b.width + 30, y: middle };
      if (d.place === "inside-end") return { x: b.x + b.width - 70, y: middle };
      return { x: b.x, y: b.y };
    };
    const known = new Map(this.drafts.map((d) => [d.id, place(d)] as const));
    const missing = this.drafts.filter((d) => !known.get(d.id));
    if (missing.length > 0) {
      // Layered layout for nodes without a shape: rank = flow distance from the nodes nothing leads to.
      const targets = new Map<string, string[]>();
      const hasIncoming = new Set<string>();
      for (const e of this.edges) {
        targets.set(e.source, [...(targets.get(e.source) ?? []), e.target]);
        hasIncoming.add(e.target);
      }
      const rank = new Map<string, number>();
      const queue = this.drafts.filter((d) => !hasIncoming.has(d.id)).map((d) => d.id);
      for (const id of queue) rank.set(id, 0);
      for (let i = 0; i < queue.length; i++) {
        const id = queue[i] ?? "";
        for (const t of targets.get(id) ?? []) {
          if (rank.has(t)) continue;
          rank.set(t, (rank.get(id) ?? 0) + 1);
          queue.push(t);
        }
      }
      const placed = [...known.values()].filter((p) => p !== undefined);
      const top = placed.length > 0 ? Math.max(...placed.map((p) => p.y)) + 150 : 0;
      const perRank = new Map<number, number>();
      for (const d of missing) {
        const r = rank.get(d.id) ?? 0;
        const index = perRank.get(r) ?? 0;
        perRank.set(r, index + 1);
        known.set(d.id, { x: 200 * r, y: top + 120 * index });
      }
    }
    return this.drafts.map(({ anchor: _anchor, place: _place, ...node }) => ({ ...node, position: known.get(node.id) ?? { x: 0, y: 0 } }));
  }
}
