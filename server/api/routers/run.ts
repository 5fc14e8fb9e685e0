import { tracked } from "@trpc/server";
import { z } from "zod";
import { startRun, StartRunInputSchema } from "../../services/runs/start-run";
import { watchRun, watchRuns } from "../../services/runs/watch-run";
import { cancelRun, CancelRunInputSchema, decideApproval, DecideInputSchema, pauseRun, rerunFrom, RerunInputSchema, resumeRun, retryRun, RetryRunInputSchema, RunIdSchema, signalRun, SignalRunInputSchema } from "../../services/runs/operate-run";
import { getRun, HistoryInputSchema, inbox, listRuns, ListRunsInputSchema, queryRun, runHistory } from "../../services/runs/read-runs";
import { authorized, router } from "../trpc";

export const runRouter = router({
  start: authorized("run.operate", "workflow").input(StartRunInputSchema).mutation(({ ctx, input }) => startRun(ctx.deps, ctx.actor, ctx.meta, input)),
  get: authorized("run.read", "run").input(RunIdSchema).query(({ ctx, input }) => getRun(ctx.deps, input.runId)),
  list: authorized("run.read", "list").input(ListRunsInputSchema).query(({ ctx, input }) => listRuns(ctx.deps, input, ctx.principal)),
  history: authorized("run.read", "run").input(HistoryInputSchema).query(({ ctx, input }) => runHistory(ctx.deps, input)),
  query: authorized("run.read", "run").input(RunIdSchema).query(({ ctx, input }) => queryRun(ctx.deps, input.runId)),
  signal: authorized("run.operate", "run").input(SignalRunInputSchema).mutation(({ ctx, input }) => signalRun(ctx.deps, ctx.actor, ctx.meta, input)),
  decide: authorized("run.operate", "run").input(DecideInputSchema).mutation(({ ctx, input }) => decideApproval(ctx.deps, ctx.actor, ctx.meta, input)),
  cancel: authorized("run.operate", "run").input(CancelRunInputSchema).mutation(async ({ ctx, input }) => {
    await cancelRun(ctx.deps, ctx.actor, ctx.meta, input);
    return { cancelled: true };
  }),
  pause: authorized("run.operate", "run").input(RunIdSchema).mutation(async ({ ctx, input }) => {
    await pauseRun(ctx.deps, ctx.actor, ctx.meta, input.runId);
    return { paused: true };
  }),
  resume: authorized("run.operate", "run").input(RunIdSchema).mutation(async ({ ctx, input }) => {
    await resumeRun(ctx.deps, ctx.actor, ctx.meta, input.runId);
    return { resumed: true };
  }),
  retry: authorized("run.operate", "run").input(RetryRunInputSchema).mutation(({ ctx, input }) => retryRun(ctx.deps, ctx.actor, ctx.meta, input)),
  rerun: authorized("run.operate", "run").input(RerunInputSchema).mutation(({ ctx, input }) => rerunFrom(ctx.deps, ctx.actor, ctx.meta, input)),
  /** Human tasks waiting for a decision. */
  inbox: authorized("run.operate", "list").query(({ ctx }) => inbox(ctx.deps, ctx.principal)),
  /**
   * A run's history, live: the events after `afterSeq`, then each new one. Each event is tracked
   * by its sequence number, so a client that reconnects resumes after the last one it saw.
   */
  watch: authorized("run.read", "run")
    .input(z.object({ runId: z.string().uuid("must be a run id"), afterSeq: z.number().int().min(0).default(0), lastEventId: z.string().regex(/^\d+$/).nullish() }))
    .subscription(async function* ({ ctx, input, signal }) {
      const after = input.lastEventId ? Number(input.lastEventId) : input.afterSeq;
      for await (const e of watchRun(ctx.deps, input.runId, after, signal)) yield tracked(String(e.seq), e);
    }),
  /** Which runs changed (batched), for the runs list. */
  changes: authorized("run.read", "list")
    .input(z.object({ intervalMs: z.number().int().min(100).max(10_000).default(500) }).optional())
    .subscription(async function* ({ ctx, input, signal }) {
      yield* watchRuns(ctx.deps, input?.intervalMs ?? 500, signal, ctx.principal);
    }),
});
