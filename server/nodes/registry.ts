/**
 * Node-type plugins: one registry API. A plugin has a `type`, a zod schema for its configuration
 * (checked when a workflow is published), optional input and output schemas, and `execute(ctx)`,
 * which receives an AbortSignal, a heartbeat function and an idempotency key for the attempt.
 * Plugins run at least once; throw a PluginFailure to say whether a failure may be retried.
 */
import type { z } from "zod";
import type { Logger } from "../observability/logger";

export type PluginContext<C> = {
  config: C;
  /** The run's variables when the task was claimed. */
  variables: Record<string, unknown>;
  /** Aborted when the run is cancelled, the lease is lost, or the worker stops. */
  signal: AbortSignal;
  /** Extends the lease (when the node has a heartbeat timeout) and records progress. */
  heartbeat(details?: unknown): Promise<void>;
  /** Stable for one attempt of one task: `${taskId}:${attempt}`; send it to external systems. */
  idempotencyKey: string;
  attempt: number;
  runId: string;
  nodeId: string;
  log: Logger;
  now(): Date;
};

export type NodePlugin<C = unknown> = {
  type: string;
  title: string;
  description: string;
  configSchema: z.ZodType<C>;
  outputSchema?: z.ZodType;
  execute(ctx: PluginContext<C>): Promise<unknown>;
};

export class PluginRegistry {
  private readonly plugins = new Map<string, NodePlugin<unknown>>();

  register<C>(plugin: NodePlugin<C>): this {
    if (this.plugins.has(plugin.type)) throw new Error(`plugin type "${plugin.type}" is registered twice`);
    this.plugins.set(plugin.type, plugin as NodePlugin<unknown>);
    return this;
  }

  get(type: string): NodePlugin<unknown> | undefined {
    return this.plugins.get(type);
  }

  list(): NodePlugin<unknown>[] {
    return [...this.plugins.values()];
  }
}
