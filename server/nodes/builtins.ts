/** The built-in node-type plugins. */
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { PluginFailure } from "../engine/policy";
import { resolveValue } from "./expressions";
import { httpPlugin } from "./http";
import { PluginRegistry, type NodePlugin } from "./registry";
import { scriptPlugin } from "./script";

const noop: NodePlugin<Record<string, unknown>> = {
  type: "noop",
  title: "No-op",
  description: "Does nothing; completes at once.",
  configSchema: z.looseObject({}),
  execute: async () => ({}),
};

const log: NodePlugin<{ message: string; level: "info" | "warn" }> = {
  type: "log",
  title: "Log",
  description: "Writes a message (which may be an expression) to the server log.",
  configSchema: z.looseObject({ message: z.string().max(10_000), level: z.enum(["info", "warn"]).default("info") }),
  async execute(ctx) {
    const message = String(resolveValue(ctx.config.message, ctx.variables));
    ctx.log[ctx.config.level]({ runId: ctx.runId, nodeId: ctx.nodeId }, message);
    return { message };
  },
};

const transform: NodePlugin<{ set: Record<string, string> }> = {
  type: "transform",
  title: "Transform",
  description: "Computes new values from expressions: { set: { total: \"=price * quantity\" } }.",
  configSchema: z.looseObject({ set: z.record(z.string(), z.string()).default({}) }),
  async execute(ctx) {
    const out: Record<string, unknown> = {};
    for (const [name, expr] of Object.entries(ctx.config.set)) out[name] = resolveValue(expr.startsWith("=") ? expr : `=${expr}`, { ...ctx.variables, ...out });
    return out;
  },
};

const delay: NodePlugin<{ ms: number }> = {
  type: "delay",
  title: "Delay",
  description: "Waits inside the task (for long waits use a timer node, which survives restarts).",
  configSchema: z.looseObject({ ms: z.number().int().min(0).max(3_600_000) }),
  async execute(ctx) {
    await sleep(ctx.config.ms, undefined, { signal: ctx.signal }).catch(() => {
      throw new PluginFailure("Cancelled", "The delay was cancelled.");
    });
    return { waitedMs: ctx.config.ms };
  },
};

const fail: NodePlugin<{ errorType: string; message: string; nonRetryable: boolean; times: number }> = {
  type: "fail",
  title: "Fail",
  description: "Fails with the given error (the first `times` attempts, or always): for testing policies.",
  configSchema: z.looseObject({ errorType: z.string().default("TestFailure"), message: z.string().default("failed on purpose"), nonRetryable: z.boolean().default(false), times: z.number().int().min(0).default(1_000_000) }),
  async execute(ctx) {
    if (ctx.attempt <= ctx.config.times) throw new PluginFailure(ctx.config.errorType, ctx.config.message, { nonRetryable: ctx.config.nonRetryable });
    return { attempt: ctx.attempt };
  },
};

/** The built-in plugins; `httpAllow`: private hosts, addresses and CIDR ranges the HTTP step may call (PETREL_HTTP_ALLOW). */
export function builtinPlugins(options: { httpAllow: string[] }): PluginRegistry {
  return new PluginRegistry()
    .register(noop)
    .register(log)
    .register(transform)
    .register(delay)
    .register(fail)
    .register(httpPlugin(options.httpAllow))
    .register(scriptPlugin);
}
