import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { authorized, router } from "../trpc";

const startedAt = new Date();

export const systemRouter = router({
  info: authorized("system.read").query(({ ctx }) => ({
    database: ctx.deps.config.databaseUrl ? "postgresql" : "embedded",
    startedAt,
  })),

  /** Live server status over WebSocket: one message at once, then one every `intervalMs`. */
  status: authorized("system.read")
    .input(z.object({ intervalMs: z.number().int().min(250).max(60_000).default(5000) }).optional())
    .subscription(async function* ({ input, signal }) {
      const intervalMs = input?.intervalMs ?? 5000;
      let seq = 0;
      while (!signal?.aborted) {
        yield { seq: seq++, at: new Date(), uptimeSeconds: Math.round(process.uptime()) };
        try {
          await sleep(intervalMs, undefined, { signal });
        } catch {
          return; // aborted: the client unsubscribed or the server is closing
        }
      }
    }),
});
