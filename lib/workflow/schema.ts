/**
 * The workflow JSON format, version 1 (`"petrel": 1`): what the designer draws, the verifier
 * proves and the engine runs. docs/workflow-format.md describes every node kind with an example;
 * lib/petri/compile.ts gives each its Petri-net meaning.
 *
 * @example
 * const result = parseWorkflow(JSON.parse(text)); // upgrades older versions, validates
 * if (!result.ok) console.log(result.issues);
 */
import { z } from "zod";
import { RetryPolicySchema, TimeoutsSchema } from "./policies";

/** Node kinds, in the spirit of BPMN. */
export const NODE_KINDS = [
  "start",
  "end",
  "terminate-end",
  "task",
  "exclusive-split",
  "exclusive-merge",
  "parallel-split",
  "parallel-join",
  "inclusive-split",
  "inclusive-join",
  "event-choice",
  "timer",
  "signal",
  "approval",
  "sub-workflow",
  "for-each",
] as const;
/** One of {@link NODE_KINDS}. */
export type NodeKind = (typeof NODE_KINDS)[number];

/** Kinds that do work (and so may fail, carry error edges and cancel regions). */
export const ACTIVITY_KINDS: ReadonlySet<NodeKind> = new Set(["task", "approval", "sub-workflow", "for-each", "timer", "signal"]);
/** The current format version. */
export const FORMAT_VERSION = 1;

const IdSchema = z
  .string()
  .min(1, "must not be empty")
  .max(64, "must be at most 64 characters")
  .regex(/^[A-Za-z0-9_.:-]+$/, "may hold only letters, digits and _ . : -");

const VariableNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a variable name (letters, digits, _; not starting with a digit)");

/** Where a node sits on the canvas, in canvas pixels. */
export const PositionSchema = z.object({ x: z.number().finite(), y: z.number().finite() });

/** A node: a step, a gateway or an event. `config` depends on the kind (see docs/workflow-format.md). */
export const WorkflowNodeSchema = z.object({
  id: IdSchema,
  kind: z.enum(NODE_KINDS),
  label: z.string().max(200).optional(),
  position: PositionSchema,
  /** Kind- or plugin-specific settings; for tasks `{ type, ... }` names the node-type plugin. */
  config: z.record(z.string(), z.unknown()).optional(),
  /** Variables this node sets when it completes (its outputs), for the data checks. */
  outputs: z.array(VariableNameSchema).optional(),
  /** Cancel region: nodes whose pending work this node withdraws when it completes (YAWL's cancellation set). */
  cancels: z.array(IdSchema).optional(),
  /** Retry policy of an activity (defaults: 5 attempts, 1 s doubling to 60 s). */
  retry: RetryPolicySchema.partial().optional(),
  /** Timeouts of an activity (default start-to-close 60 s). */
  timeouts: TimeoutsSchema.partial().optional(),
  /** A node run to undo this one's effect when the run fails or is cancelled after it completed (saga). */
  compensate: IdSchema.optional(),
});
/** A parsed {@link WorkflowNodeSchema}. */
export type WorkflowNode = z.infer<typeof WorkflowNodeSchema>;

/** An edge from one node to another. */
export const WorkflowEdgeSchema = z.object({
  id: IdSchema,
  source: IdSchema,
  target: IdSchema,
  /** "error" edges say where a failed activity goes. */
  kind: z.enum(["flow", "error"]).default("flow"),
  /** Condition (a FEEL expression) on an edge leaving an exclusive or inclusive split. */
  condition: z.string().max(2000).optional(),
  /** The branch taken when no condition holds. */
  isDefault: z.boolean().optional(),
  label: z.string().max(200).optional(),
});
/** A parsed {@link WorkflowEdgeSchema}. */
export type WorkflowEdge = z.infer<typeof WorkflowEdgeSchema>;

/** A declared input variable of the workflow. */
export const InputFieldSchema = z.object({
  type: z.enum(["string", "number", "boolean", "object", "array", "any"]),
  required: z.boolean().optional(),
  description: z.string().max(500).optional(),
  /** Runs can be found by this input's value in the runs list. */
  searchable: z.boolean().optional(),
});

const KIND_CONFIG: Partial<Record<NodeKind, z.ZodType>> = {
  task: z.looseObject({ type: z.string().min(1, "must name the node-type plugin") }),
  timer: z.looseObject({ duration: z.string().regex(/^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/, "must be an ISO 8601 duration such as PT5M").optional(), until: z.string().optional() }),
  signal: z.looseObject({ name: z.string().min(1, "must name the signal to wait for") }),
  "sub-workflow": z.looseObject({ workflow: z.string().min(1, "must name the workflow to call"), version: z.number().int().positive().optional() }),
  "for-each": z.looseObject({
    items: z.string().min(1, "must be an expression giving the list to iterate over"),
    mode: z.enum(["parallel", "sequential"]).default("parallel"),
    concurrency: z.number().int().positive().optional(),
    task: z.looseObject({ type: z.string().min(1) }).optional(),
  }),
};

/** A labelled frame around some nodes, drawn behind them on the canvas. */
export const GroupSchema = z.object({
  id: IdSchema,
  label: z.string().max(200),
  nodes: z.array(IdSchema).min(1, "must hold at least one node"),
});
/** A parsed {@link GroupSchema}. */
export type WorkflowGroup = z.infer<typeof GroupSchema>;

/** A whole workflow graph; also checks ids, edge ends and per-kind configuration. */
export const WorkflowGraphSchema = z
  .object({
    petrel: z.literal(1, { error: 'must be 1 (the format version, "petrel": 1)' }),
    /** Input variables a run starts with. */
    input: z.record(VariableNameSchema, InputFieldSchema).optional(),
    /** A run that is still going after this long fails (run timeout). */
    runTimeoutMs: z.number().int().min(1000).max(365 * 86_400_000).optional(),
    nodes: z.array(WorkflowNodeSchema),
    edges: z.array(WorkflowEdgeSchema),
    /** Named frames around nodes on the canvas (sub-flows); no meaning for verification or runs. */
    groups: z.array(GroupSchema).optional(),
  })
  .superRefine((graph, ctx) => {
    const ids = new Set<string>();
    graph.nodes.forEach((node, i) => {
      if (ids.has(node.id)) ctx.addIssue({ code: "custom", path: ["nodes", i, "id"], message: `duplicate node id "${node.id}"` });
      ids.add(node.id);
      const schema = KIND_CONFIG[node.kind];
      if (schema) {
        const r = schema.safeParse(node.config ?? {});
        if (!r.success) {
          for (const issue of r.error.issues) {
            ctx.addIssue({ code: "custom", path: ["nodes", i, "config", ...issue.path.map(String)], message: `${node.kind} "${node.id}": ${issue.message}` });
          }
        }
      }
    });
    graph.nodes.forEach((node, i) => {
      node.cancels?.forEach((c, j) => {
        if (!ids.has(c)) ctx.addIssue({ code: "custom", path: ["nodes", i, "cancels", j], message: `node "${node.id}" cancels unknown node "${c}"` });
      });
    });
    const edgeIds = new Set<string>();
    graph.edges.forEach((edge, i) => {
      if (edgeIds.has(edge.id)) ctx.addIssue({ code: "custom", path: ["edges", i, "id"], message: `duplicate edge id "${edge.id}"` });
      edgeIds.add(edge.id);
      for (const end of ["source", "target"] as const) {
        if (!ids.has(edge[end])) {
          ctx.addIssue({ code: "custom", path: ["edges", i, end], message: `edge "${edge.id}" names unknown node "${edge[end]}"` });
        }
      }
    });
    const grouped = new Map<string, string>();
    const groupIds = new Set<string>();
    graph.groups?.forEach((group, i) => {
      if (groupIds.has(group.id)) ctx.addIssue({ code: "custom", path: ["groups", i, "id"], message: `duplicate group id "${group.id}"` });
      groupIds.add(group.id);
      group.nodes.forEach((n, j) => {
        if (!ids.has(n)) ctx.addIssue({ code: "custom", path: ["groups", i, "nodes", j], message: `group "${group.id}" holds unknown node "${n}"` });
        else if (grouped.has(n)) ctx.addIssue({ code: "custom", path: ["groups", i, "nodes", j], message: `node "${n}" is in two groups ("${grouped.get(n)}" and "${group.id}")` });
        grouped.set(n, group.id);
      });
    });
  });
/** A parsed {@link WorkflowGraphSchema}. */
export type WorkflowGraph = z.infer<typeof WorkflowGraphSchema>;
/** A graph as written (defaults not yet applied). */
export type WorkflowGraphInput = z.input<typeof WorkflowGraphSchema>;

/** One problem with a document, with the JSON path to it. */
export type FormatIssue = { path: string; message: string };

/** Upgrades from each older version to the next; empty while 1 is the only version. */
const UPGRADES: Record<number, (doc: Record<string, unknown>) => Record<string, unknown>> = {};

/**
 * Parses a workflow document of any known version: upgrades it step by step to the current
 * version, then validates it. Never throws for bad input.
 */
export function parseWorkflow(doc: unknown): { ok: true; graph: WorkflowGraph } | { ok: false; issues: FormatIssue[] } {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return { ok: false, issues: [{ path: "(document)", message: "must be a JSON object" }] };
  let current = doc as Record<string, unknown>;
  let version = current.petrel;
  if (typeof version !== "number" || !Number.isInteger(version)) {
    return { ok: false, issues: [{ path: "petrel", message: 'must be the format version number (e.g. "petrel": 1)' }] };
  }
  if (version > FORMAT_VERSION) {
    return { ok: false, issues: [{ path: "petrel", message: `format version ${version} is newer than this Petrel understands (${FORMAT_VERSION}); upgrade Petrel` }] };
  }
  while (version < FORMAT_VERSION) {
    const step = UPGRADES[version];
    if (!step) return { ok: false, issues: [{ path: "petrel", message: `format version ${version} is not supported (no upgrade to ${version + 1})` }] };
    current = step(current);
    version += 1;
  }
  const r = WorkflowGraphSchema.safeParse(current);
  if (!r.success) return { ok: false, issues: r.error.issues.map((i) => ({ path: i.path.join(".") || "(document)", message: i.message })) };
  return { ok: true, graph: r.data };
}
