/**
 * Secrets: named values encrypted at rest (secret-box.ts). People with secret.manage write and
 * delete them; nobody reads a value back through the API. Plugin configurations reference them
 * as `{{secrets.NAME}}`; the worker fills them in just before the step runs and redacts the
 * values from the step's output, errors and logs.
 */
import { z } from "zod";
import { AppError } from "../../../lib/errors";
import type { PrismaClient } from "../../db/database";
import { recordAudit } from "../audit";
import type { Actor, RequestMeta, ServiceDeps } from "../deps";
import { loadSecretKey, openSecret, sealSecret } from "./secret-box";

const NAME = z.string().trim().regex(/^[A-Z][A-Z0-9_]{0,63}$/, "must be UPPER_SNAKE_CASE, at most 64 characters, starting with a letter");

export const SetSecretInputSchema = z.object({
  name: NAME,
  value: z.string().min(1, "must not be empty").max(64 * 1024, "must be at most 64 KiB"),
  description: z.string().trim().max(500).default(""),
});
export const DeleteSecretInputSchema = z.object({ name: NAME });

/** Names and descriptions; never values. */
export function listSecrets(deps: ServiceDeps) {
  return deps.prisma.secret.findMany({ orderBy: { name: "asc" }, select: { id: true, name: true, description: true, createdAt: true, updatedAt: true } });
}

/** Creates or replaces a secret. The audit row records that it changed, not the value. */
export function setSecret(deps: ServiceDeps, actor: Actor, meta: RequestMeta, input: z.input<typeof SetSecretInputSchema>) {
  const a = SetSecretInputSchema.parse(input);
  const ciphertext = sealSecret(loadSecretKey(deps.config), a.name, a.value);
  const now = deps.now();
  return deps.prisma.$transaction(async (tx) => {
    const before = await tx.secret.findUnique({ where: { name: a.name }, select: { id: true, description: true } });
    const row = await tx.secret.upsert({
      where: { name: a.name },
      create: { name: a.name, description: a.description, ciphertext, createdAt: now, updatedAt: now },
      update: { description: a.description, ciphertext, updatedAt: now },
      select: { id: true, name: true, description: true, createdAt: true, updatedAt: true },
    });
    await recordAudit(tx, actor, meta, { action: before ? "secret.update" : "secret.create", targetType: "secret", targetId: a.name, before: before ? { description: before.description, value: "(hidden)" } : undefined, after: { description: a.description, value: "(hidden, changed)" } }, now);
    return row;
  });
}

export function deleteSecret(deps: ServiceDeps, actor: Actor, meta: RequestMeta, input: z.input<typeof DeleteSecretInputSchema>) {
  const a = DeleteSecretInputSchema.parse(input);
  const now = deps.now();
  return deps.prisma.$transaction(async (tx) => {
    const row = await tx.secret.findUnique({ where: { name: a.name }, select: { id: true, description: true } });
    if (!row) throw new AppError("NOT_FOUND", { message: `There is no secret ${a.name}.` });
    await tx.secret.delete({ where: { id: row.id } });
    await recordAudit(tx, actor, meta, { action: "secret.delete", targetType: "secret", targetId: a.name, before: { description: row.description } }, now);
    return { deleted: a.name };
  });
}

export const SECRET_REF = /\{\{\s*secrets\.([A-Z][A-Z0-9_]{0,63})\s*\}\}/g;

/** Names referenced as {{secrets.NAME}} anywhere in `value` (strings inside objects and arrays). */
export function secretNames(value: unknown, into = new Set<string>()): Set<string> {
  if (typeof value === "string") for (const m of value.matchAll(SECRET_REF)) into.add(m[1]!);
  else if (Array.isArray(value)) for (const v of value) secretNames(v, into);
  else if (value && typeof value === "object") for (const v of Object.values(value)) secretNames(v, into);
  return into;
}

/** Decrypted values of `names`; a name with no secret is an error naming it. */
export async function revealSecrets(prisma: PrismaClient, config: ServiceDeps["config"], names: Iterable<string>): Promise<Map<string, string>> {
  const wanted = [...names];
  const out = new Map<string, string>();
  if (!wanted.length) return out;
  const rows = await prisma.secret.findMany({ where: { name: { in: wanted } }, select: { name: true, ciphertext: true } });
  const key = loadSecretKey(config);
  for (const r of rows) out.set(r.name, openSecret(key, r.name, r.ciphertext));
  const missing = wanted.filter((n) => !out.has(n));
  if (missing.length) throw new AppError("NOT_FOUND", { message: `No secret is named ${missing.join(", ")}.` });
  return out;
}

/** `value` with each {{secrets.NAME}} replaced by its value. */
export function fillSecrets<T>(value: T, secrets: Map<string, string>): T {
  if (typeof value === "string") return value.replace(SECRET_REF, (_, name: string) => secrets.get(name) ?? "") as T;
  if (Array.isArray(value)) return value.map((v) => fillSecrets(v, secrets)) as T;
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillSecrets(v, secrets)])) as T;
  return value;
}

/** `value` with every secret value replaced by [secret NAME] (strings inside objects and arrays, keys too). */
export function redactSecrets<T>(value: T, secrets: Map<string, string>): T {
  if (!secrets.size) return value;
  if (typeof value === "string") {
    let s: string = value;
    for (const [name, secret] of secrets) if (secret.length >= 1) s = s.split(secret).join(`[secret ${name}]`);
    return s as T;
  }
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, secrets)) as T;
  if (value && typeof value === "object" && !(value instanceof Date)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [redactSecrets(k, secrets), redactSecrets(v, secrets)])) as T;
  return value;
}
