import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { resolveSession } from "../services/auth/resolve-session";
import type { RequestMeta, ServiceDeps } from "../services/deps";
import { readSessionCookie } from "./cookies";
import type { Context } from "./trpc";

/** Address of the caller. Petrel trusts no proxy headers unless told to (a later setting). */
export function requestMeta(req: IncomingMessage): RequestMeta {
  const requestId = (req.headers["x-request-id"] as string | undefined)?.slice(0, 100) || randomUUID();
  return { requestId, ip: req.socket.remoteAddress ?? null, userAgent: req.headers["user-agent"]?.slice(0, 500) ?? null };
}

export function isSecureRequest(deps: ServiceDeps, req: IncomingMessage): boolean {
  if (deps.config.secureCookies === "true") return true;
  if (deps.config.secureCookies === "false") return false;
  return "encrypted" in req.socket && Boolean((req.socket as { encrypted?: boolean }).encrypted);
}

/** Builds the tRPC context of an HTTP request or a WebSocket connection. */
export async function createContext(deps: ServiceDeps, req: IncomingMessage): Promise<Context> {
  const session = await resolveSession(deps, readSessionCookie(req.headers.cookie));
  return { deps, session, meta: requestMeta(req), responseHeaders: new Headers(), secureCookies: isSecureRequest(deps, req) };
}
