/**
 * The workflow JSON format, version 1 (`"petrel": 1`): what the designer draws, the verifier
 * proves and the engine runs. This module holds the graph's shape; the node kinds' semantics
 * and their per-kind configuration are specified with the compiler (lib/petri).
 *
 * @example
 * const graph = WorkflowGraphSchema.parse(JSON.parse(text));
 */
import { z } from "zod";

/** Node kinds, in the spirit of BPMN (see docs/workflow-format.md). */
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
  "approval",
  "sub-workflow",
  "for-each",
] as const;
/** One of {@link NODE_KINDS}. */
export type NodeKind = (typeof NODE_KINDS)[number];

const IdSchema = z
  .string()
  .min(1, "must not be empty")
  .max(64, "must be at most 64 characters")
  .regex(/^[A-Za-z0-9_.:-]+$/, "may hold only letters, digits and _ . : -");

/** Where a node sits on the canvas, in canvas pixels. */
export const PositionSchema = z.object({ x: z.number().finite(), y: z.number().finite() });

/** A node: a step, a gateway or an event. */
export const WorkflowNodeSchema = z.object({
  id: IdSchema,
  kind: z.enum(NODE_KINDS),
  label: z.string().max(200).optional(),
  position: PositionSchema,
  /** Kind- or plugin-specific settings; for tasks `{ type, ... }` names the node-type plugin. */
  config: z.record(z.string(), z.unknown()).optional(),
});
/** A parsed {@link WorkflowNodeSchema}. */
export type WorkflowNode = z.infer<typeof WorkflowNodeSchema>;

/** An edge from one node to another. */
export const WorkflowEdgeSchema = z.object({
  id: IdSchema,
  source: IdSchema,
  target: IdSchema,
  /** "error" edges say where a failed node goes. */
  kind: z.enum(["flow", "error"]).default("flow"),
  /** Condition on an edge leaving an exclusive or inclusive split (expression language). */
  condition: z.string().max(2000).optional(),
  /** The branch taken when no condition holds. */
  isDefault: z.boolean().optional(),
});
/** A parsed {@link WorkflowEdgeSchema}. */
export type WorkflowEdge = z.infer<typeof WorkflowEdgeSchema>;

/** A whole workflow graph; also checks that ids are unique and edges name existing nodes. */
export const WorkflowGraphSchema = z
  .object({
    petrel: z.literal(1, { error: 'must be 1 (the format version, "petrel": 1)' }),
    nodes: z.array(WorkflowNodeSchema),
    edges: z.array(WorkflowEdgeSchema),
  })
  .superRefine((graph, ctx) => {
    const ids = new Set<string>();
    graph.nodes.forEach((node, i) => {
      if (ids.has(node.id)) ctx.addIssue({ code: "custom", path: ["nodes", i, "id"], message: `duplicate node id "${node.id}"` });
      ids.add(node.id);
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
  });
/** A parsed {@link WorkflowGraphSchema}. */
export type WorkflowGraph = z.infer<typeof WorkflowGraphSchema>;
