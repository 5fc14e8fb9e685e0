/**
 * Secrets: named values encrypted at rest (secret-box.ts). People with secret.manage write and
 * delete them; nobody reads a value back through the API. Plugin configurations reference them
 * as `{{secrets.NAME}}` (lib/secrets.ts); the worker fills them in just before the step runs
 * (server/engine/secret-box.ts) and redacts the values from the step's output, errors and logs.
 */
import { z } from "zod";
import { AppError } from "../../../lib/errors";
import { recordAudit } from "../audit";
import type { Actor, RequestMeta, ServiceDeps } from "../deps";
import { loadSecretKey, sealSecret } from "../../engine/secret-box";

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

