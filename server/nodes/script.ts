/**
 * Script plugin: user JavaScript in a WebAssembly sandbox (QuickJS via quickjs-emscripten). Each
 * attempt gets a fresh runtime with a memory limit, a stack limit and a deadline; the sandbox has
 * no `process`, `require`, file system, network or host objects — only `input` (the run's
 * variables, copied in as JSON) — and what it returns is copied out as JSON.
 */
import { getQuickJS, shouldInterruptAfterDeadline, type QuickJSWASMModule } from "quickjs-emscripten";
import { z } from "zod";
import { PluginFailure } from "../engine/policy";
import type { NodePlugin } from "./registry";

let quickjs: Promise<QuickJSWASMModule> | undefined;

const ScriptConfigSchema = z.looseObject({
  /** The body of a function of `input`; its return value is the node's output. */
  source: z.string().min(1, "must not be empty").max(100_000),
  timeoutMs: z.number().int().min(1).max(30_000).default(1000),
  memoryMb: z.number().int().min(1).max(256).default(32),
});

export const scriptPlugin: NodePlugin<z.infer<typeof ScriptConfigSchema>> = {
  type: "script",
  title: "Script",
  description: "Runs JavaScript in a sandbox with time and memory limits; `input` holds the run's variables.",
  configSchema: ScriptConfigSchema,
  async execute(ctx) {
    quickjs ??= getQuickJS();
    const QuickJS = await quickjs;
    const runtime = QuickJS.newRuntime();
    runtime.setMemoryLimit(ctx.config.memoryMb * 1024 * 1024);
    runtime.setMaxStackSize(512 * 1024);
    const deadline = Date.now() + ctx.config.timeoutMs;
    const overDeadline = shouldInterruptAfterDeadline(deadline);
    runtime.setInterruptHandler((rt) => ctx.signal.aborted || overDeadline(rt));
    const vm = runtime.newContext();
    try {
      const input = JSON.stringify(ctx.variables ?? {});
      const program = `JSON.stringify((function (input) {\n${ctx.config.source}\n})(JSON.parse(${JSON.stringify(input)})) ?? null)`;
      const result = vm.evalCode(program, "script.js");
      if (result.error) {
        const err = vm.dump(result.error) as { name?: string; message?: string } | string;
        result.error.dispose();
        const name = typeof err === "object" && err ? err.name : undefined;
        const message = typeof err === "object" && err ? (err.message ?? String(err)) : String(err);
        if (ctx.signal.aborted) throw new PluginFailure("Cancelled", "The script was cancelled.");
        if (message === "interrupted") throw new PluginFailure("ScriptTimeout", `The script ran longer than ${ctx.config.timeoutMs} ms and was stopped.`, { nonRetryable: true });
        if (message === "out of memory" || name === "InternalError" && /memory/.test(message)) {
          throw new PluginFailure("ScriptOutOfMemory", `The script used more than ${ctx.config.memoryMb} MB and was stopped.`, { nonRetryable: true });
        }
        throw new PluginFailure("ScriptError", `${name ?? "Error"}: ${message}`, { nonRetryable: true });
      }
      const text = vm.getString(result.value);
      result.value.dispose();
      return JSON.parse(text) as unknown;
    } finally {
      vm.dispose();
      runtime.dispose();
    }
  },
};
