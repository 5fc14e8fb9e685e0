import { randomUUID } from "node:crypto";
import { sessionPrincipal } from "./caller";
import type { IncomingMessage } from "node:http";
import { resolveSession } from "../services/auth/resolve-session";
import { resolveApiToken } from "../services/tokens/api-tokens";
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

/** The bearer token of an `Authorization: Bearer …` header, if any. */
export function bearerToken(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1]! : "";
}

/**
 * Builds the tRPC context of an HTTP request or a WebSocket connection: the caller is the person
 * of the session cookie, or the person and scopes of an API token (`Authorization: Bearer ptk_…`).
 */
export async function createContext(deps: ServiceDeps, req: IncomingMessage): Promise<Context> {
  const base = { deps, meta: requestMeta(req), responseHeaders: new Headers(), secureCookies: isSecureRequest(deps, req) };
  const bearer = bearerToken(req);
  if (bearer !== null) {
    const identity = bearer ? await resolveApiToken(deps, bearer) : null;
    if (!identity) return { ...base, session: null, principal: null, authProblem: "The API token is malformed, unknown, revoked or expired." };
    return { ...base, session: null, principal: identity.principal, tokenActor: identity.actor };
  }
  const session = await resolveSession(deps, readSessionCookie(req.headers.cookie));
  return { ...base, session, principal: sessionPrincipal(session) };
}
