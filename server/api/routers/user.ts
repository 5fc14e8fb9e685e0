import { createUser, CreateUserInputSchema } from "../../services/users/create-user";
import { listUsers } from "../../services/users/list-users";
import { authorized, router } from "../trpc";

export const userRouter = router({
  list: authorized("user.read").query(({ ctx }) => listUsers(ctx.deps)),
  create: authorized("user.manage")
    .input(CreateUserInputSchema)
    .mutation(({ ctx, input }) => createUser(ctx.deps, ctx.actor, ctx.meta, input)),
});
