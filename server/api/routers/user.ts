import { createUser, CreateUserInputSchema } from "../../services/users/create-user";
import { listUsers } from "../../services/users/list-users";
import { resetPassword, ResetPasswordInputSchema, revokeSessions, RevokeSessionsInputSchema, setDisabled, SetDisabledInputSchema, setRole, SetRoleInputSchema } from "../../services/users/manage-users";
import { authorized, router } from "../trpc";

export const userRouter = router({
  list: authorized("user.read").query(({ ctx }) => listUsers(ctx.deps)),
  create: authorized("user.manage")
    .input(CreateUserInputSchema)
    .mutation(({ ctx, input }) => createUser(ctx.deps, ctx.actor, ctx.meta, input)),
  setRole: authorized("user.manage").input(SetRoleInputSchema).mutation(({ ctx, input }) => setRole(ctx.deps, ctx.actor, ctx.meta, input)),
  setDisabled: authorized("user.manage").input(SetDisabledInputSchema).mutation(({ ctx, input }) => setDisabled(ctx.deps, ctx.actor, ctx.meta, input)),
  /** Sets a new password (a generated one is returned once) and signs the person out everywhere. */
  resetPassword: authorized("user.manage").input(ResetPasswordInputSchema).mutation(({ ctx, input }) => resetPassword(ctx.deps, ctx.actor, ctx.meta, input)),
  revokeSessions: authorized("user.manage").input(RevokeSessionsInputSchema).mutation(({ ctx, input }) => revokeSessions(ctx.deps, ctx.actor, ctx.meta, input)),
});
