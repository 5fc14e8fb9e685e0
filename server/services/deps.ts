/** What every use-case receives: the database, configuration, a logger and a clock. */
import type { Config } from "../config";
import type { PrismaClient } from "../db/database";
import type { Logger } from "../observability/logger";
import type { Role } from "../../lib/policy";
import type { PluginRegistry } from "../nodes/registry";
import type { RunEventHub } from "../engine/live";

export type ServiceDeps = {
  prisma: PrismaClient;
  config: Config;
  log: Logger;
  /** The clock; tests pass a fake one. */
  now: () => Date;
  /** Node-type plugins (built-ins plus any registered at start). */
  plugins: PluginRegistry;
  /** Wakes live subscriptions when run events are committed (web processes; absent in workers and tools). */
  live?: RunEventHub;
};

/** Who is acting. */
export type Actor =
  | {
      type: "user";
      userId: string;
      email: string;
      role: Role;
      sessionId?: string;
      /** Set when the person acts through one of their API tokens. */
      token?: { id: string; name: string };
    }
  | { type: "system"; label: string }
  | { type: "anonymous" };

/** Where a request came from; carried into audit rows. */
export type RequestMeta = { requestId: string; ip: string | null; userAgent: string | null };

export const SYSTEM: Actor = { type: "system", label: "system" };

export function systemMeta(requestId: string): RequestMeta {
  return { requestId, ip: null, userAgent: null };
}
