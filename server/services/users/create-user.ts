import { z } from "zod";
import { AppError } from "../../../lib/errors";
import { ROLES } from "../../../lib/policy";
import type { Tx } from "../../db/database";
import { recordAudit } from "../audit";
import type { Actor, RequestMeta, ServiceDeps } from "../deps";
import { hashPassword } from "../auth/password";

export const CreateUserInputSchema = z.object({
  email: z.string().trim().toLowerCase().max(320, "must be at most 320 characters").pipe(z.email("must be an email address")),
  name: z.string().trim().min(1, "must not be empty").max(200),
  role: z.enum(ROLES, { error: `must be one of ${ROLES.join(", ")}` }),
  password: z.string().min(12, "must be at least 12 characters").max(1024),
});
export type CreateUserInput = z.infer<typeof CreateUserInputSchema>;

/** Creates a person with a role; audited as `user.create` (the password never enters the log). */
export async function createUser(deps: ServiceDeps, actor: Actor, meta: RequestMeta, input: CreateUserInput) {
  const passwordHash = await hashPassword(input.password);
  return deps.prisma.$transaction((tx) => insertUser(tx, deps.now(), actor, meta, input, passwordHash));
}

/** The insert and its audit row, inside the caller's transaction. */
export async function insertUser(tx: Tx, now: Date, actor: Actor, meta: RequestMeta, input: CreateUserInput, passwordHash: string) {
  const existing = await tx.user.findUnique({ where: { email: input.email }, select: { id: true } });
  if (existing) {
    throw new AppError("CONFLICT", { message: `A person with the email ${input.email} already exists.`, details: { fields: [{ path: "email", message: "is taken" }] } });
  }
  const user = await tx.user.create({
    data: { email: input.email, name: input.name, role: input.role, passwordHash, createdAt: now },
    select: { id: true, email: true, name: true, role: true, createdAt: true },
  });
  await recordAudit(tx, actor, meta, { action: "user.create", targetType: "user", targetId: user.id, after: { email: user.email, name: user.name, role: user.role } }, now);
  return user;
}
