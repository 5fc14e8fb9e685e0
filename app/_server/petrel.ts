/**
 * Server components reach the API through the process-global bridge that server/api/next-bridge.ts
 * installs: only types are imported from server/, so Next never bundles database code.
 */
import "server-only";
import { headers } from "next/headers";
import { redirect, forbidden, notFound } from "next/navigation";
import type { Caller } from "../../server/api/next-bridge";
import type { Permission } from "../../lib/policy";
import { can } from "../../lib/policy";

export async function api(): Promise<Caller> {
  const bridge = globalThis.__petrelBridge;
  if (!bridge) throw new Error("Petrel's API bridge is missing: start the app with `npm start` (server/main.ts), not `next start`.");
  const h = await headers();
  return bridge.caller({
    cookie: h.get("cookie"),
    ip: h.get("x-petrel-client-ip"),
    userAgent: h.get("user-agent"),
    requestId: h.get("x-request-id"),
  });
}

export type Viewer = NonNullable<Awaited<ReturnType<Caller["auth"]["me"]>>>;

/** The signed-in person; redirects to the sign-in page when there is none. */
export async function requireViewer(): Promise<Viewer> {
  const me = await (await api()).auth.me();
  if (!me) {
    const from = (await headers()).get("x-petrel-path") ?? "/workflows";
    redirect(`/sign-in?next=${encodeURIComponent(from)}`);
  }
  return me;
}

/** The signed-in person holding `permission`; renders the 403 page otherwise. */
export async function requirePermission(permission: Permission): Promise<Viewer> {
  const me = await requireViewer();
  if (!can(me.role, permission)) forbidden();
  return me;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Loads what a page at /…/[id] shows; the 404 page when the id is malformed or names nothing. */
export async function loadOr404<T>(id: string, load: (id: string) => Promise<T>): Promise<T> {
  if (!UUID.test(id)) notFound();
  try {
    return await load(id);
  } catch (error) {
    if ((error as { code?: string }).code === "NOT_FOUND") notFound();
    throw error;
  }
}
