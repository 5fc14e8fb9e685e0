import { createWorkflow, CreateWorkflowInputSchema } from "../../services/workflows/create-workflow";
import { listWorkflows } from "../../services/workflows/list-workflows";
import { publishWorkflow, PublishWorkflowInputSchema } from "../../services/workflows/publish-workflow";
import { authorized, router } from "../trpc";

export const workflowRouter = router({
  list: authorized("workflow.read").query(({ ctx }) => listWorkflows(ctx.deps)),
  create: authorized("workflow.write")
    .input(CreateWorkflowInputSchema.pick({ name: true, description: true }))
    .mutation(({ ctx, input }) => createWorkflow(ctx.deps, ctx.actor, ctx.meta, input)),
  publish: authorized("workflow.publish")
    .input(PublishWorkflowInputSchema)
    .mutation(({ ctx, input }) => publishWorkflow(ctx.deps, ctx.actor, ctx.meta, input)),
});
