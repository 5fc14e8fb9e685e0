import { randomBytes } from "node:crypto";
import { SYSTEM, systemMeta, type ServiceDeps } from "../deps";
import { hashPassword } from "../auth/password";
import { insertUser } from "./create-user";

export type EnsureAdminResult =
  | { created: false }
  | { created: true; email: string; password: string | null; generated: boolean };

export const DEFAULT_ADMIN_EMAIL = "admin@petrel.local";

/** Advisory lock key for start-up work that exactly one process of a cluster must do. */
export const BOOTSTRAP_LOCK_KEY = 0x70657472656cn + 1n;

/**
 * On the first start (no admin yet) creates one from PETREL_ADMIN_EMAIL / PETREL_ADMIN_PASSWORD,
 * generating a password when none is given. The caller prints a generated password once.
 */
export async function ensureAdmin(deps: ServiceDeps): Promise<EnsureAdminResult> {
  if ((await deps.prisma.user.count({ where: { role: "admin" } })) > 0) return { created: false };
  const email = deps.config.adminEmail ?? DEFAULT_ADMIN_EMAIL;
  const generated = !deps.config.adminPassword;
  const password = deps.config.adminPassword ?? randomBytes(15).toString("base64url");
  const passwordHash = await hashPassword(password);
  // Several processes may start at once on one PostgreSQL database: the transaction-scoped
  // advisory lock lets exactly one of them create the admin; the others then find it.
  const created = await deps.prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${BOOTSTRAP_LOCK_KEY})`;
    if ((await tx.user.count({ where: { role: "admin" } })) > 0) return false;
    await insertUser(tx, deps.now(), SYSTEM, systemMeta("bootstrap"), { email, name: "Administrator", role: "admin", password }, passwordHash);
    return true;
  });
  if (!created) return { created: false };
  return { created: true, email, password: generated ? password : null, generated };
}
