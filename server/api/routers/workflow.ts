import { createWorkflow, CreateWorkflowInputSchema } from "../../services/workflows/create-workflow";
import { getVersion, getWorkflow, GetWorkflowInputSchema, listPlugins, renameWorkflow, RenameWorkflowInputSchema, restoreVersion, RestoreVersionInputSchema, saveDraft, SaveDraftInputSchema, VersionInputSchema } from "../../services/workflows/drafts";
import { listWorkflows } from "../../services/workflows/list-workflows";
import { publishWorkflow, PublishWorkflowInputSchema } from "../../services/workflows/publish-workflow";
import { AccessInputSchema, deleteWorkflow, DeleteWorkflowInputSchema, setGrant, SetGrantInputSchema, setVisibility, SetVisibilityInputSchema, workflowSharing } from "../../services/workflows/share-workflow";
import { authorized, router } from "../trpc";

export const workflowRouter = router({
  /** Owner, visibility and grants. */
  sharing: authorized("workflow.read", "workflow").input(AccessInputSchema).query(({ ctx, input }) => workflowSharing(ctx.deps, input, ctx.principal)),
  setVisibility: authorized("workflow.share", "workflow").input(SetVisibilityInputSchema).mutation(({ ctx, input }) => setVisibility(ctx.deps, ctx.actor, ctx.meta, input)),
  delete: authorized("workflow.delete", "workflow").input(DeleteWorkflowInputSchema).mutation(({ ctx, input }) => deleteWorkflow(ctx.deps, ctx.actor, ctx.meta, input)),
  setGrant: authorized("workflow.share", "workflow").input(SetGrantInputSchema).mutation(({ ctx, input }) => setGrant(ctx.deps, ctx.actor, ctx.meta, input)),
  list: authorized("workflow.read", "list").query(({ ctx }) => listWorkflows(ctx.deps, ctx.principal)),
  get: authorized("workflow.read", "workflow").input(GetWorkflowInputSchema).query(({ ctx, input }) => getWorkflow(ctx.deps, input)),
  version: authorized("workflow.read", "workflow").input(VersionInputSchema).query(({ ctx, input }) => getVersion(ctx.deps, input)),
  plugins: authorized("workflow.read").query(({ ctx }) => listPlugins(ctx.deps)),
  create: authorized("workflow.write")
    .input(CreateWorkflowInputSchema.pick({ name: true, description: true, graph: true }))
    .mutation(({ ctx, input }) => createWorkflow(ctx.deps, ctx.actor, ctx.meta, input)),
  saveDraft: authorized("workflow.write", "workflow").input(SaveDraftInputSchema).mutation(({ ctx, input }) => saveDraft(ctx.deps, ctx.actor, ctx.meta, input)),
  rename: authorized("workflow.write", "workflow").input(RenameWorkflowInputSchema).mutation(({ ctx, input }) => renameWorkflow(ctx.deps, ctx.actor, ctx.meta, input)),
  restore: authorized("workflow.write", "workflow").input(RestoreVersionInputSchema).mutation(({ ctx, input }) => restoreVersion(ctx.deps, ctx.actor, ctx.meta, input)),
  publish: authorized("workflow.publish", "workflow")
    .input(PublishWorkflowInputSchema)
    .mutation(({ ctx, input }) => publishWorkflow(ctx.deps, ctx.actor, ctx.meta, input)),
});
