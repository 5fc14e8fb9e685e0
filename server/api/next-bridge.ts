/**
 * How Next's server components reach the API without bundling server code: Next runs inside
 * Petrel's own process, and this module hands it a tRPC caller factory on a process-global.
 * app/_server/petrel.ts reads it with a type-only import of this file.
 */
import { sessionPrincipal } from "./caller";
import type { IncomingMessage } from "node:http";
import { randomUUID } from "node:crypto";
import { resolveSession } from "../services/auth/resolve-session";
import type { ServiceDeps } from "../services/deps";
import { readSessionCookie } from "./cookies";
import { createCaller } from "./router";
import type { Context } from "./trpc";

export type Caller = ReturnType<typeof createCaller>;

export type PetrelBridge = {
  /** A caller acting for the person whose cookies these are. */
  caller(request: { cookie: string | null; ip: string | null; userAgent: string | null; requestId: string | null }): Promise<Caller>;
};

declare global {
  var __petrelBridge: PetrelBridge | undefined;
}

export const BRIDGE_IP_HEADER = "x-petrel-client-ip";
export const BRIDGE_PATH_HEADER = "x-petrel-path";

export function installNextBridge(deps: ServiceDeps): void {
  globalThis.__petrelBridge = {
    async caller(request) {
      const session = await resolveSession(deps, readSessionCookie(request.cookie));
      const ctx: Context = {
        deps,
        session,
        principal: sessionPrincipal(session),
        meta: { requestId: request.requestId ?? randomUUID(), ip: request.ip, userAgent: request.userAgent },
        responseHeaders: new Headers(),
        secureCookies: false,
      };
      return createCaller(ctx);
    },
  };
}

/** Sets the caller's address and path on a request passed to Next (overwriting any forged copy). */
export function stampClientAddress(req: IncomingMessage): void {
  req.headers[BRIDGE_IP_HEADER] = req.socket.remoteAddress ?? "";
  req.headers[BRIDGE_PATH_HEADER] = (req.url ?? "/").slice(0, 2000);
}
