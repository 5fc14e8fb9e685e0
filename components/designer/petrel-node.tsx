"use client";
/** One node on the canvas. Memoised: it re-renders only when its own data or selection changes. */
import { Handle, Position, type Node, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import { ACTIVITY_KINDS, type WorkflowNode } from "../../lib/workflow/schema";
import { KIND_TITLES } from "../../lib/workflow/edit";
import { NodeBody, nodeSize, shapeOf } from "./node-look";
import { useDesignerStore } from "./store";

export type PetrelNodeData = {
  node: WorkflowNode;
  /** Messages of the findings that concern this node. */
  problems: string[];
  /** Whether one of them has a counterexample to replay. */
  replayable: boolean;
  diff?: "added" | "changed" | "removed";
  /** The node the replay is at. */
  active?: boolean;
  readOnly: boolean;
};

export type PetrelFlowNode = Node<PetrelNodeData, "petrel">;

function PetrelNodeView({ id, data, selected }: NodeProps<PetrelFlowNode>) {
  const store = useDesignerStore();
  const { node, problems, replayable, diff, active, readOnly } = data;
  const shape = shapeOf(node.kind);
  const { width, height } = nodeSize(node.kind);
  const label = node.label ?? node.id;
  const canFail = ACTIVITY_KINDS.has(node.kind);
  const classes = ["pn", `pn-${shape}`, `pn-${node.kind}`, selected ? "is-selected" : "", problems.length ? "has-problem" : "", diff ? `diff-${diff}` : "", active ? "is-active" : "", readOnly ? "is-readonly" : ""].filter(Boolean).join(" ");
  const showMe = () => {
    const verdict = store.getState().verify.result;
    const finding = verdict?.issues.find((f) => f.nodeIds.includes(id) && f.trace?.length) ?? verdict?.issues.find((f) => f.nodeIds.includes(id));
    store.getState().select({ nodes: [id], edges: [] });
    if (finding?.trace?.length) store.getState().setReplay({ finding, step: 0, playing: false, speed: 1 });
  };
  return (
    <div className={classes} style={{ width, height }} data-testid="node" data-node-id={id} data-kind={node.kind} aria-label={`${KIND_TITLES[node.kind]} ${label}`}>
      {node.kind !== "start" ? <Handle type="target" position={Position.Left} className="pn-handle" isConnectable={!readOnly} /> : null}
      <NodeBody node={node} />
      {node.kind !== "end" && node.kind !== "terminate-end" ? <Handle type="source" position={Position.Right} className="pn-handle" isConnectable={!readOnly} /> : null}
      {canFail ? <Handle type="source" id="error" position={Position.Bottom} className="pn-handle pn-handle-error" title="Drag to draw the error path" isConnectable={!readOnly} /> : null}
      {problems.length ? (
        <button type="button" className="pn-badge nodrag" data-testid="problem-badge" title={`${problems.join("\n")}${replayable ? "\n\nClick to show me the run that goes wrong." : ""}`} aria-label={`${problems.length} problem${problems.length > 1 ? "s" : ""}: ${problems[0]}`} onClick={showMe}>
          {problems.length}
        </button>
      ) : null}
    </div>
  );
}

export const PetrelNode = memo(PetrelNodeView);
export const NODE_TYPES = { petrel: PetrelNode };
