/**
 * Petrel's REST routes (downloads that a tRPC answer does not suit). Each route declares its
 * access rule like a procedure does, and is authorised by the same `authorize`.
 */
import { callerActor } from "./caller";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isAppError } from "../../lib/errors";
import { AuditFilterSchema, auditRows, CSV_HEADER, csvLine, jsonLine } from "../services/audit-log/read-audit";
import { recordAudit } from "../services/audit";
import type { ServiceDeps } from "../services/deps";
import { authorize, type AccessRule } from "./authorize";
import { createContext } from "./context";
import { HTTP_STATUS } from "./errors";

export type RestRoute = AccessRule & {
  method: "GET";
  path: string;
  handle(deps: ServiceDeps, ctx: Awaited<ReturnType<typeof createContext>>, url: URL, res: ServerResponse): Promise<void>;
};

function sendError(res: ServerResponse, status: number, code: string, message: string) {
  const text = JSON.stringify({ error: { code, message } });
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(text);
}

export const REST_ROUTES: RestRoute[] = [
  {
    method: "GET",
    path: "/api/audit/export",
    permission: "audit.read",
    /** ?format=csv|jsonl plus the audit page's filters (actor, action, targetType, targetId, from, to, q). */
    async handle(deps, ctx, url, res) {
      const format = url.searchParams.get("format") ?? "csv";
      if (format !== "csv" && format !== "jsonl") return sendError(res, 400, "INVALID_INPUT", `format must be csv or jsonl, not "${format.slice(0, 20)}".`);
      const raw = Object.fromEntries([...url.searchParams].filter(([k]) => k !== "format"));
      const parsed = AuditFilterSchema.strict().safeParse(raw);
      if (!parsed.success) return sendError(res, 400, "INVALID_INPUT", `Invalid filter: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(query)"} ${i.message}`).join("; ")}`);
      // Exports are themselves recorded.
      await deps.prisma.$transaction((tx) => recordAudit(tx, callerActor(ctx), ctx.meta, { action: "audit.export", targetType: "audit", after: { format, filter: parsed.data } }, deps.now()));
      const stamp = deps.now().toISOString().replace(/[:.]/g, "-");
      res.writeHead(200, {
        "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
        "content-disposition": `attachment; filename="petrel-audit-${stamp}.${format}"`,
        "cache-control": "no-store",
      });
      if (format === "csv") res.write(`${CSV_HEADER.join(",")}\r\n`);
      for await (const row of auditRows(deps.prisma, parsed.data)) {
        if (!res.write(format === "csv" ? csvLine(row) : jsonLine(row))) await new Promise((r) => res.once("drain", r));
        if (res.destroyed) return;
      }
      res.end();
    },
  },
];

/** Serves a REST route; false when the path is none of them. */
export function handleRest(deps: ServiceDeps, req: IncomingMessage, res: ServerResponse): boolean {
  const url = new URL(req.url ?? "/", "http://petrel.invalid");
  const route = REST_ROUTES.find((r) => r.path === url.pathname);
  if (!route) return false;
  if (req.method !== route.method) {
    res.setHeader("allow", route.method);
    sendError(res, 405, "METHOD_NOT_ALLOWED", `${route.path} answers ${route.method} only.`);
    return true;
  }
  void (async () => {
    const ctx = await createContext(deps, req);
    await authorize(ctx, route, async () => Object.fromEntries(url.searchParams));
    await route.handle(deps, ctx, url, res);
  })().catch((error: unknown) => {
    if (isAppError(error)) return sendError(res, HTTP_STATUS[error.code], error.code, error.message);
    deps.log.error({ err: error, path: url.pathname }, "REST route failed");
    if (!res.headersSent) sendError(res, 500, "INTERNAL", "Something went wrong on the server. The problem was logged.");
    else res.destroy();
  });
  return true;
}
