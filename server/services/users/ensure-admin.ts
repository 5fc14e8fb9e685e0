import { randomBytes } from "node:crypto";
import { SYSTEM, systemMeta, type ServiceDeps } from "../deps";
import { createUser } from "./create-user";

export type EnsureAdminResult =
  | { created: false }
  | { created: true; email: string; password: string | null; generated: boolean };

export const DEFAULT_ADMIN_EMAIL = "admin@petrel.local";

/**
 * On the first start (no admin yet) creates one from PETREL_ADMIN_EMAIL / PETREL_ADMIN_PASSWORD,
 * generating a password when none is given. The caller prints a generated password once.
 */
export async function ensureAdmin(deps: ServiceDeps): Promise<EnsureAdminResult> {
  const admins = await deps.prisma.user.count({ where: { role: "admin" } });
  if (admins > 0) return { created: false };
  const email = deps.config.adminEmail ?? DEFAULT_ADMIN_EMAIL;
  const generated = !deps.config.adminPassword;
  const password = deps.config.adminPassword ?? randomBytes(15).toString("base64url");
  await createUser(deps, SYSTEM, systemMeta("bootstrap"), { email, name: "Administrator", role: "admin", password });
  return { created: true, email, password: generated ? password : null, generated };
}
