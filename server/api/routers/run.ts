import { startRun, StartRunInputSchema } from "../../services/runs/start-run";
import { cancelRun, CancelRunInputSchema, decideApproval, DecideInputSchema, pauseRun, resumeRun, RunIdSchema, signalRun, SignalRunInputSchema } from "../../services/runs/operate-run";
import { getRun, HistoryInputSchema, listRuns, ListRunsInputSchema, queryRun, runHistory } from "../../services/runs/read-runs";
import { authorized, router } from "../trpc";

export const runRouter = router({
  start: authorized("run.operate").input(StartRunInputSchema).mutation(({ ctx, input }) => startRun(ctx.deps, ctx.actor, ctx.meta, input)),
  get: authorized("run.read").input(RunIdSchema).query(({ ctx, input }) => getRun(ctx.deps, input.runId)),
  list: authorized("run.read").input(ListRunsInputSchema).query(({ ctx, input }) => listRuns(ctx.deps, input)),
  history: authorized("run.read").input(HistoryInputSchema).query(({ ctx, input }) => runHistory(ctx.deps, input)),
  query: authorized("run.read").input(RunIdSchema).query(({ ctx, input }) => queryRun(ctx.deps, input.runId)),
  signal: authorized("run.operate").input(SignalRunInputSchema).mutation(({ ctx, input }) => signalRun(ctx.deps, ctx.actor, ctx.meta, input)),
  decide: authorized("run.operate").input(DecideInputSchema).mutation(({ ctx, input }) => decideApproval(ctx.deps, ctx.actor, ctx.meta, input)),
  cancel: authorized("run.operate").input(CancelRunInputSchema).mutation(async ({ ctx, input }) => {
    await cancelRun(ctx.deps, ctx.actor, ctx.meta, input);
    return { cancelled: true };
  }),
  pause: authorized("run.operate").input(RunIdSchema).mutation(async ({ ctx, input }) => {
    await pauseRun(ctx.deps, ctx.actor, ctx.meta, input.runId);
    return { paused: true };
  }),
  resume: authorized("run.operate").input(RunIdSchema).mutation(async ({ ctx, input }) => {
    await resumeRun(ctx.deps, ctx.actor, ctx.meta, input.runId);
    return { resumed: true };
  }),
});
