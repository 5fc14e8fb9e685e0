/** Published versions, compiled once per process: the net and the lookups the engine needs. */
import { enabled as netEnabled, orJoinFeeders } from "../../lib/petri/explore";
import type { Marking, Net } from "../../lib/petri/net";
import type { WorkflowGraph, WorkflowNode } from "../../lib/workflow/schema";
import type { Db } from "../db/database";

export type LoadedVersion = {
  id: string;
  workflowId: string;
  version: number;
  graph: WorkflowGraph;
  net: Net;
  nodes: Map<string, WorkflowNode>;
  /** Edge ids of error edges. */
  errorEdges: Set<string>;
  /** Nodes reached from an event-based choice: they race for its token. */
  raceNodes: Set<string>;
  sinkMask: Uint8Array;
  enabled(ti: number, marking: number[]): boolean;
};

const cache = new Map<string, LoadedVersion>();

export function loadedFrom(row: { id: string; workflowId: string; version: number; graph: unknown; net: unknown }): LoadedVersion {
  const hit = cache.get(row.id);
  if (hit) return hit;
  const graph = row.graph as WorkflowGraph;
  const net = row.net as Net;
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  const errorEdges = new Set(graph.edges.filter((e) => e.kind === "error").map((e) => e.id));
  const raceNodes = new Set(graph.edges.filter((e) => nodes.get(e.source)?.kind === "event-choice").map((e) => e.target));
  const sinkMask = new Uint8Array(net.places.length);
  for (const s of net.sinks) sinkMask[s] = 1;
  const feeders = orJoinFeeders(net);
  const loaded: LoadedVersion = {
    id: row.id,
    workflowId: row.workflowId,
    version: row.version,
    graph,
    net,
    nodes,
    errorEdges,
    raceNodes,
    sinkMask,
    // enabled() only reads m[p] and m.length, so the run's number[] marking serves as it is (no copy on this hot path).
    enabled: (ti, marking) => netEnabled(net.transitions[ti]!, ti, marking as unknown as Marking, feeders),
  };
  cache.set(row.id, loaded);
  return loaded;
}

export async function loadVersion(db: Db, versionId: string): Promise<LoadedVersion> {
  const hit = cache.get(versionId);
  if (hit) return hit;
  const row = await db.workflowVersion.findUniqueOrThrow({ where: { id: versionId } });
  return loadedFrom(row);
}
