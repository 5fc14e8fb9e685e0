import { createWorkflow, CreateWorkflowInputSchema } from "../../services/workflows/create-workflow";
import { getVersion, getWorkflow, GetWorkflowInputSchema, listPlugins, renameWorkflow, RenameWorkflowInputSchema, restoreVersion, RestoreVersionInputSchema, saveDraft, SaveDraftInputSchema, VersionInputSchema } from "../../services/workflows/drafts";
import { listWorkflows } from "../../services/workflows/list-workflows";
import { publishWorkflow, PublishWorkflowInputSchema } from "../../services/workflows/publish-workflow";
import { authorized, router } from "../trpc";

export const workflowRouter = router({
  list: authorized("workflow.read").query(({ ctx }) => listWorkflows(ctx.deps)),
  get: authorized("workflow.read").input(GetWorkflowInputSchema).query(({ ctx, input }) => getWorkflow(ctx.deps, input)),
  version: authorized("workflow.read").input(VersionInputSchema).query(({ ctx, input }) => getVersion(ctx.deps, input)),
  plugins: authorized("workflow.read").query(({ ctx }) => listPlugins(ctx.deps)),
  create: authorized("workflow.write")
    .input(CreateWorkflowInputSchema.pick({ name: true, description: true, graph: true }))
    .mutation(({ ctx, input }) => createWorkflow(ctx.deps, ctx.actor, ctx.meta, input)),
  saveDraft: authorized("workflow.write").input(SaveDraftInputSchema).mutation(({ ctx, input }) => saveDraft(ctx.deps, ctx.actor, ctx.meta, input)),
  rename: authorized("workflow.write").input(RenameWorkflowInputSchema).mutation(({ ctx, input }) => renameWorkflow(ctx.deps, ctx.actor, ctx.meta, input)),
  restore: authorized("workflow.write").input(RestoreVersionInputSchema).mutation(({ ctx, input }) => restoreVersion(ctx.deps, ctx.actor, ctx.meta, input)),
  publish: authorized("workflow.publish")
    .input(PublishWorkflowInputSchema)
    .mutation(({ ctx, input }) => publishWorkflow(ctx.deps, ctx.actor, ctx.meta, input)),
});
