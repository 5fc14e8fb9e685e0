import { z } from "zod";
import { listAudit, ListAuditInputSchema, verifyAuditChain } from "../../services/audit-log/read-audit";
import { deleteSecret, DeleteSecretInputSchema, listSecrets, setSecret, SetSecretInputSchema } from "../../services/secrets/secrets";
import { createApiToken, CreateTokenInputSchema, listApiTokens, revokeApiToken, RevokeTokenInputSchema } from "../../services/tokens/api-tokens";
import { authorized, router } from "../trpc";

export const auditRouter = router({
  /** A page of the audit log under a filter, newest first. */
  list: authorized("audit.read").input(ListAuditInputSchema).query(({ ctx, input }) => listAudit(ctx.deps, input)),
  /** Walks the hash chain; reports the first broken row. */
  verify: authorized("audit.read").mutation(({ ctx }) => verifyAuditChain(ctx.deps.prisma)),
});

export const tokenRouter = router({
  list: authorized("token.manage")
    .input(z.object({ all: z.boolean().default(false) }).optional())
    .query(({ ctx, input }) => listApiTokens(ctx.deps, ctx.actor, input)),
  /** The token's value is in this answer only. */
  create: authorized("token.manage").input(CreateTokenInputSchema).mutation(({ ctx, input }) => createApiToken(ctx.deps, ctx.actor, ctx.meta, input)),
  revoke: authorized("token.manage").input(RevokeTokenInputSchema).mutation(({ ctx, input }) => revokeApiToken(ctx.deps, ctx.actor, ctx.meta, input)),
});

export const secretRouter = router({
  /** Names and descriptions only. */
  list: authorized("secret.read").query(({ ctx }) => listSecrets(ctx.deps)),
  set: authorized("secret.manage").input(SetSecretInputSchema).mutation(({ ctx, input }) => setSecret(ctx.deps, ctx.actor, ctx.meta, input)),
  delete: authorized("secret.manage").input(DeleteSecretInputSchema).mutation(({ ctx, input }) => deleteSecret(ctx.deps, ctx.actor, ctx.meta, input)),
});
