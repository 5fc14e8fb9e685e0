/**
 * Petrel's own HTTP routes on the shared server: tRPC over HTTP at /api/trpc, tRPC
 * subscriptions over WebSocket at /api/trpc-ws, /api/health and /api/ready. Everything else
 * goes to Next.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { applyWSSHandler } from "@trpc/server/adapters/ws";
import { WebSocketServer } from "ws";
import { isAppError } from "../../lib/errors";
import type { Database } from "../db/database";
import type { ServiceDeps } from "../services/deps";
import { createContext } from "./context";
import { handleRest } from "./rest";
import { appRouter } from "./router";

export const TRPC_PATH = "/api/trpc";
export const TRPC_WS_PATH = "/api/trpc-ws";
/** Largest request body the API reads (HTTP 413 above it). Workflow graphs of thousands of nodes fit. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** Whether the request's Origin (when the browser sent one) is this server's own. */
export function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return req.headers["sec-fetch-site"] !== "cross-site";
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/**
 * CSRF protection for cookie-authenticated calls: a state-changing request (POST) that a browser
 * sends from another site is refused. Browsers send Origin (and Sec-Fetch-Site) with every POST;
 * programs using an API token (Authorization: Bearer) are not subject to it.
 */
export function crossSiteRefusal(req: IncomingMessage): string | null {
  if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return null;
  if (req.headers.authorization) return null;
  return sameOrigin(req) ? null : "Cross-site request refused: this call must come from Petrel's own pages (or use an API token).";
}

export type ApiHandler = {
  /** Handles the request when it is one of the API's; returns false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Handles a WebSocket upgrade to /api/trpc-ws; returns false for other paths. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Tells WebSocket clients to reconnect elsewhere and closes them. */
  closeWebSockets(): Promise<void>;
};

export function createApiHandler(deps: ServiceDeps, db: Pick<Database, "check">, state: { shuttingDown: boolean }): ApiHandler {
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: `${TRPC_PATH}/`,
    maxBodySize: MAX_BODY_BYTES,
    createContext: ({ req }) => createContext(deps, req),
    responseMeta({ ctx, errors }) {
      const headers = new Headers(ctx?.responseHeaders);
      for (const e of errors) {
        const cause = e.cause;
        if (isAppError(cause) && cause.code === "RATE_LIMITED") {
          headers.set("Retry-After", String(cause.details?.retryAfterSeconds ?? 60));
        }
      }
      headers.set("cache-control", "no-store");
      return { headers };
    },
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") deps.log.error({ err: error.cause ?? error, path }, "tRPC procedure failed");
    },
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  const wsHandler = applyWSSHandler({
    wss,
    router: appRouter,
    createContext: ({ req }) => createContext(deps, req),
    keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 5_000 },
  });

  return {
    handle(req, res) {
      const url = req.url ?? "/";
      const pathname = url.split("?", 1)[0] ?? "/";
      if (pathname === "/api/health") {
        sendJson(res, state.shuttingDown ? 503 : 200, { status: state.shuttingDown ? "shutting-down" : "ok", uptimeSeconds: Math.round(process.uptime()) });
        return true;
      }
      if (pathname === "/api/ready") {
        void db.check().then(
          (c) => {
            const ready = c.reachable && c.pending.length === 0 && !state.shuttingDown;
            sendJson(res, ready ? 200 : 503, {
              status: ready ? "ready" : "not-ready",
              database: c.reachable ? "reachable" : "unreachable",
              pendingMigrations: c.pending,
              ...(c.error ? { error: c.error } : {}),
              ...(state.shuttingDown ? { shuttingDown: true } : {}),
            });
          },
          (error: unknown) => sendJson(res, 503, { status: "not-ready", error: (error as Error).message }),
        );
        return true;
      }
      if (pathname === TRPC_PATH || pathname.startsWith(`${TRPC_PATH}/`)) {
        const refused = crossSiteRefusal(req);
        if (refused) {
          sendJson(res, 403, { error: { code: "FORBIDDEN", message: refused } });
          return true;
        }
        trpc(req, res);
        return true;
      }
      return handleRest(deps, req, res);
    },
    upgrade(req, socket, head) {
      const pathname = (req.url ?? "/").split("?", 1)[0];
      if (pathname !== TRPC_WS_PATH) return false;
      // A page on another site must not open a WebSocket with this site's cookie.
      if (state.shuttingDown || !sameOrigin(req)) {
        socket.destroy();
        return true;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
      return true;
    },
    async closeWebSockets() {
      wsHandler.broadcastReconnectNotification();
      for (const client of wss.clients) client.close(1001, "server shutting down");
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
