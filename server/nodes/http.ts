/**
 * HTTP request plugin: per-attempt timeout, network errors and 5xx retryable, 4xx not,
 * the response body (JSON or text) mapped into the output.
 */
import { fetch, type Dispatcher, type Response } from "undici";
import { z } from "zod";
import { PluginFailure } from "../engine/policy";
import { BlockedAddressError, guardedAgent } from "./network-guard";
import { resolveValue } from "./expressions";
import type { NodePlugin } from "./registry";

const HttpConfigSchema = z.looseObject({
  method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]).default("GET"),
  url: z.string().min(1, "must be a URL or an expression"),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.unknown().optional(),
  timeoutMs: z.number().int().min(1).max(300_000).default(10_000),
  /** Output fields from the response: { id: "=body.id" } (body, status, headers available). */
  map: z.record(z.string(), z.string()).optional(),
});

/** The HTTP step; `allow` lists private hosts, addresses and ranges it may call anyway (PETREL_HTTP_ALLOW). */
export function httpPlugin(allow: string[]): NodePlugin<z.infer<typeof HttpConfigSchema>> {
  let dispatcher: Dispatcher | undefined;
  return {
    type: "http",
    title: "HTTP request",
    description: "Calls an HTTP endpoint. Network errors and 5xx are retried; 4xx fail the node.",
    configSchema: HttpConfigSchema,
    async execute(ctx) {
      const c = ctx.config;
      const url = String(resolveValue(c.url, ctx.variables));
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new PluginFailure("InvalidUrl", `"${url}" is not a valid URL.`, { nonRetryable: true });
      }
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new PluginFailure("InvalidUrl", `Only http and https URLs are allowed, not ${parsed.protocol}`, { nonRetryable: true });
      const timeout = AbortSignal.timeout(c.timeoutMs);
      const signal = AbortSignal.any([ctx.signal, timeout]);
      const body = c.body === undefined ? undefined : JSON.stringify(resolveValue(c.body, ctx.variables));
      let res: Response;
      try {
        dispatcher ??= guardedAgent(allow);
        res = await fetch(parsed, {
          dispatcher,
          method: c.method,
          headers: { ...(body ? { "content-type": "application/json" } : {}), "idempotency-key": ctx.idempotencyKey, ...c.headers },
          body,
          signal,
        });
      } catch (error) {
        if (timeout.aborted) throw new PluginFailure("HttpTimeout", `No answer from ${parsed.host} within ${c.timeoutMs} ms.`);
        if (ctx.signal.aborted) throw new PluginFailure("Cancelled", "The request was cancelled.");
        const cause = (error as { cause?: unknown }).cause;
        if (cause instanceof BlockedAddressError) throw new PluginFailure("BlockedAddress", cause.message, { nonRetryable: true });
        throw new PluginFailure("HttpNetworkError", `Could not reach ${parsed.host}: ${(error as Error).message}`, { cause: error });
      }
      const text = await res.text();
      let responseBody: unknown = text;
      if ((res.headers.get("content-type") ?? "").includes("json")) {
        try {
          responseBody = JSON.parse(text);
        } catch {
          responseBody = text;
        }
      }
      if (res.status >= 500) throw new PluginFailure("HttpServerError", `${parsed.host} answered ${res.status}.`, { details: { status: res.status, body: text.slice(0, 1000) } });
      if (res.status >= 400) throw new PluginFailure("HttpClientError", `${parsed.host} answered ${res.status}.`, { nonRetryable: true, details: { status: res.status, body: text.slice(0, 1000) } });
      const response = { status: res.status, headers: Object.fromEntries(res.headers), body: responseBody };
      if (!c.map) return response;
      return Object.fromEntries(Object.entries(c.map).map(([k, expr]) => [k, resolveValue(expr.startsWith("=") ? expr : `=${expr}`, response)]));
    },
  };
}
