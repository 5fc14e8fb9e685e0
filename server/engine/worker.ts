/**
 * A worker: claims due tasks, runs their node plugins, and completes or fails them — each in one
 * transaction that checks the lease. Wakes on NOTIFY (a task became ready) with a fallback poll
 * of at most one second; never busy-polls. Also, once a second, reaps expired leases and expired
 * runs, and seals new audit rows into the hash chain.
 * stop(): stop claiming, let running tasks finish within the grace period, then abort the rest
 * and give their leases back.
 */
import { randomUUID } from "node:crypto";
import os from "node:os";
import { z } from "zod";
import { sealAuditChain } from "../db/audit-chain";
import { evaluateExpression } from "../nodes/expressions";
import type { PluginContext } from "../nodes/registry";
import {
  claimTasks,
  completeAndClaim,
  completeTask,
  expireRuns,
  failTask,
  heartbeatTask,
  reapExpiredLeases,
  releaseTask,
  RUNS_CHANNEL,
  TASKS_CHANNEL,
  type ClaimedTask,
  type EngineDeps,
} from "./engine";
import { PluginFailure, toFailure } from "./policy";
import { fillSecrets, redactSecrets, secretNames } from "../../lib/secrets";
import { revealSecrets } from "./secret-box";
import type { Logger } from "../observability/logger";

/** Secret names per step configuration: configs come from the cached versions, so each is walked once. */
const namesByConfig = new WeakMap<object, Set<string>>();
function secretNamesOf(config: Record<string, unknown>): Set<string> {
  let names = namesByConfig.get(config);
  if (!names) namesByConfig.set(config, (names = secretNames(config)));
  return names;
}

/** The secrets of a configuration that names none. */
const NO_SECRETS: ReadonlyMap<string, string> = new Map();

/** A logger for a plugin that holds secrets: every value logged has them redacted. */
function redactingLogger(log: Logger, secrets: ReadonlyMap<string, string>): Logger {
  return new Proxy(log, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function" || !["trace", "debug", "info", "warn", "error", "fatal"].includes(String(prop))) return value;
      return (...args: unknown[]) => (value as (...a: unknown[]) => void).apply(target, args.map((a) => redactSecrets(a instanceof Error ? { err: { type: a.name, message: a.message } } : a, secrets)));
    },
  });
}

export type Listen = (channel: string, onNotify: (payload: string) => void) => Promise<() => Promise<void>>;

export type WorkerOptions = {
  id?: string;
  /** Tasks run at once (default 8). */
  concurrency?: number;
  /** Tasks claimed per query (default = free slots). */
  batchSize?: number;
  /** Longest sleep between looks at the queue when no NOTIFY comes (default 1000 ms). */
  pollMs?: number;
  /** How often running tasks are checked for cancellation or a lost lease (default 500 ms). */
  leaseCheckMs?: number;
  listen?: Listen;
};

type Running = { task: ClaimedTask; abort: AbortController; done: Promise<void> };
type Completion = { taskId: string; worker: string; attempt: number; runId: string; output: unknown; snapshot?: ClaimedTask["snapshot"] };
type Waiting = { c: Completion; resolve: (ok: boolean) => void; reject: (error: unknown) => void };

/** Completions written per transaction at most. */
const COMPLETION_BATCH = 100;
/**
 * Completion statements a worker keeps in flight at once: two let the database work on one batch
 * while the worker prepares the next (a run whose tasks land in both is written by one of them and
 * retried by the other through the locking path).
 */
const COMPLETION_WRITERS = 2;

export class Worker {
  readonly id: string;
  private readonly running = new Map<string, Running>();
  private stopping = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private unlisten: Array<() => Promise<void>> = [];
  private lastReap = 0;
  private checker: NodeJS.Timeout | null = null;
  /** Every attempt begun and not yet written (its plugin running, or its completion in flight). */
  private readonly settling = new Set<Promise<void>>();
  /** Finished attempts waiting for the completion in flight (group commit). */
  private readonly completions: Waiting[] = [];
  /** The end of this event-loop turn, when the completions gathered in it are written (see complete). */
  private gathering: NodeJS.Immediate | null = null;
  /** Completion statements in flight (at most COMPLETION_WRITERS). */
  private writers = 0;
  /** The audit sealer's pass in flight (see sealAudit). */
  private sealing: Promise<void> | null = null;
  /** Tasks this worker has begun to run. */
  private started = 0;
  /** The loop's own claim is in flight. */
  private claiming = false;
  /** Slots promised to claims in flight (a completion's statement may bring new tasks). */
  private reserved = 0;
  /** Tasks completed and failed by this worker, and completion statements sent (for tests and metrics). */
  readonly stats = { completed: 0, failed: 0, lostLeases: 0, writes: 0 };

  constructor(
    private readonly deps: EngineDeps,
    private readonly options: WorkerOptions = {},
  ) {
    this.id = options.id ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  async start(): Promise<void> {
    if (this.options.listen) {
      this.unlisten.push(await this.options.listen(TASKS_CHANNEL, () => this.poke()));
      this.unlisten.push(await this.options.listen(RUNS_CHANNEL, () => void this.checkLeases()));
    }
    this.checker = setInterval(() => void this.checkLeases(), this.options.leaseCheckMs ?? 500);
    this.loop = this.run();
  }

  /** A poke that came while the loop was not asleep: it must not be lost. */
  private poked = false;

  /** Wakes the loop now (a task became ready). */
  poke(): void {
    this.poked = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    const concurrency = this.slots;
    while (!this.stopping) {
      let claimed = 0;
      this.poked = false;
      try {
        const nowMs = this.deps.now().getTime();
        if (nowMs - this.lastReap >= 1000) {
          this.lastReap = nowMs;
          await reapExpiredLeases(this.deps);
          await expireRuns(this.deps);
          this.sealing ??= this.sealAudit().finally(() => (this.sealing = null));
        }
        const free = concurrency - this.running.size - this.reserved;
        if (free > 0) {
          this.claiming = true;
          const tasks = await claimTasks(this.deps, this.id, Math.min(free, this.options.batchSize ?? free)).finally(() => (this.claiming = false));
          claimed = tasks.length;
          for (const t of tasks) this.execute(t);
          if (claimed === free) continue;
        }
      } catch (error) {
        if (this.stopping) break;
        this.deps.log.error({ err: error, worker: this.id }, "worker loop failed; retrying");
      }
      if (this.stopping) break;
      if (this.poked) continue; // something became ready while we were busy: look again at once
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.pollMs ?? 1000);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /**
   * Seals the audit rows committed since the last seal into the hash chain (see db/audit-chain).
   * It runs beside the loop, which goes on claiming meanwhile (a backlog takes a while to seal).
   */
  private async sealAudit(): Promise<void> {
    try {
      await sealAuditChain(this.deps.prisma);
    } catch (error) {
      this.deps.log.warn({ err: error }, "could not seal the audit chain; the next tick tries again");
    }
  }

  private execute(task: ClaimedTask): void {
    this.started++;
    const abort = new AbortController();
    // The slot is free once the plugin has returned: the worker takes its next task while the
    // attempt's completion (or failure) is being written, as graphile-worker does, so that the
    // database works on the write and the next claim at once.
    const slotFree = () => {
      if (this.running.delete(task.id)) this.poke();
    };
    const done = (async () => {
      const lease = { taskId: task.id, worker: this.id, attempt: task.attempt, runId: task.runId };
      let output: unknown;
      try {
        output = task.kind === "timer" ? null : await this.runPlugin(task, abort.signal);
      } catch (thrown) {
        slotFree();
        const failure = toFailure(thrown);
        try {
          const ok = await failTask(this.deps, { ...lease, failure });
          if (ok) this.stats.failed++;
          else this.stats.lostLeases++;
        } catch (error) {
          this.deps.log.error({ err: error, taskId: task.id }, "could not record a failed attempt; its lease will expire");
        }
        return;
      }
      slotFree();
      try {
        const ok = await this.complete({ ...lease, output, snapshot: task.snapshot });
        if (ok) this.stats.completed++;
        else this.stats.lostLeases++;
      } catch (error) {
        this.deps.log.error({ err: error, taskId: task.id }, "could not record a completed attempt; its lease will expire and the step runs again");
      }
    })().finally(() => {
      slotFree();
      this.settling.delete(done);
    });
    this.running.set(task.id, { task, abort, done });
    this.settling.add(done);
  }

  /** How many attempts this worker runs at once. */
  private get slots(): number {
    return this.options.concurrency ?? 8;
  }

  /**
   * Group commit: a completion that finishes while another is being written waits for it, and
   * all that waited are then written in one transaction. A worker with one slot writes its
   * completion at once (the same statement claims its next task). With more slots, a completion
   * waits for the end of this turn of the event loop: the attempts finishing in the same turn (a
   * batch of quick tasks) are written with it, while the loop, woken by the freed slots, claims
   * the next batch on another connection.
   */
  private complete(c: Completion): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.completions.push({ c, resolve, reject });
      if (this.slots === 1) void this.writeCompletions();
      else
        this.gathering ??= setImmediate(() => {
          this.gathering = null;
          void this.writeCompletions();
        });
    });
  }

  private async writeCompletions(): Promise<void> {
    if (this.writers >= COMPLETION_WRITERS) return;
    this.writers++;
    try {
      while (this.completions.length) {
        const batch = this.completions.splice(0, COMPLETION_BATCH);
        this.stats.writes++;
        // The same statement starts the worker's next tasks in its free slots, within the batch
        // size (none while stopping): first the steps these completions enable in their own runs
        // (eager start), then, unless the loop is claiming already, due tasks from the queue — one
        // round trip and one commit per task when tasks run one at a time. While the loop claims,
        // the slots the eager start does not take are handed back before the statement is sent,
        // and the database works on the loop's claim and this write at once.
        const concurrency = this.slots;
        const room = this.stopping ? 0 : Math.max(0, concurrency - this.running.size - this.reserved);
        let held = Math.min(room, this.options.batchSize ?? room);
        const queue = !this.claiming;
        this.reserved += held;
        const onLeased = (n: number) => {
          this.reserved -= held - n;
          held = n;
          if (this.reserved + this.running.size < concurrency) this.poke();
        };
        try {
          const { results, claimed } = await completeAndClaim(this.deps, batch.map((w) => w.c), held > 0 ? { worker: this.id, limit: held, ...(queue ? {} : { queue, onLeased }) } : null);
          for (const t of claimed) {
            if (!this.stopping) this.execute(t);
            else await releaseTask(this.deps, { taskId: t.id, worker: this.id, attempt: t.attempt }).catch(() => false);
          }
          batch.forEach((w, i) => w.resolve(results[i]!));
        } catch {
          // Something went wrong: write each on its own, so that one bad completion holds back no other.
          for (const w of batch) await completeTask(this.deps, w.c).then(w.resolve, w.reject);
        } finally {
          this.reserved -= held;
        }
      }
    } finally {
      this.writers--;
    }
  }

  private async runPlugin(task: ClaimedTask, signal: AbortSignal): Promise<unknown> {
    const node = task.node;
    const heartbeat = async (details?: unknown) => {
      const ok = await heartbeatTask(this.deps, { taskId: task.id, worker: this.id, attempt: task.attempt, details: details ?? null });
      if (!ok) this.running.get(task.id)?.abort.abort(new Error("lease lost"));
    };
    const base = {
      variables: task.variables,
      signal,
      heartbeat,
      idempotencyKey: `${task.id}:${task.attempt}`,
      attempt: task.attempt,
      runId: task.runId,
      nodeId: node.id,
      log: this.deps.log,
      now: this.deps.now,
    };
    if (node.kind === "for-each") return this.forEach(task, base);
    const type = String(node.config?.type ?? "noop");
    return this.invoke(type, node.config ?? {}, base);
  }

  private async invoke(type: string, rawConfig: Record<string, unknown>, base: Omit<PluginContext<unknown>, "config">): Promise<unknown> {
    const plugin = this.deps.plugins.get(type);
    if (!plugin) throw new PluginFailure("UnknownPlugin", `No node-type plugin "${type}" is installed.`, { nonRetryable: true });
    // {{secrets.NAME}} in the configuration: filled in now, and redacted from all that comes back.
    const names = secretNamesOf(rawConfig);
    let secrets = NO_SECRETS;
    if (names.size) {
      try {
        secrets = await revealSecrets(this.deps.prisma, this.deps.config, names);
      } catch (error) {
        throw new PluginFailure("MissingSecret", (error as Error).message, { nonRetryable: true });
      }
    }
    const parsed = plugin.configSchema.safeParse(names.size ? fillSecrets(rawConfig, secrets) : rawConfig);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(config)"} ${i.message}`).join("; ");
      throw new PluginFailure("InvalidConfig", redactSecrets(`The ${type} configuration is invalid: ${problems}`, secrets), { nonRetryable: true });
    }
    if (!secrets.size) return plugin.execute({ ...base, config: parsed.data });
    try {
      return redactSecrets(await plugin.execute({ ...base, log: redactingLogger(base.log, secrets), config: parsed.data }), secrets);
    } catch (thrown) {
      const f = toFailure(thrown);
      throw new PluginFailure(f.type, redactSecrets(f.message, secrets), { nonRetryable: f.nonRetryable, details: redactSecrets(f.details, secrets) });
    }
  }

  /** for-each: one plugin call per item, in parallel up to `concurrency`, or one after another. */
  private async forEach(task: ClaimedTask, base: Omit<PluginContext<unknown>, "config">): Promise<unknown[]> {
    const cfg = z
      .looseObject({ items: z.string(), mode: z.enum(["parallel", "sequential"]).default("parallel"), concurrency: z.number().int().positive().default(10), task: z.looseObject({ type: z.string() }).default({ type: "noop" }), itemVariable: z.string().default("item") })
      .parse(task.node.config ?? {});
    const items = evaluateExpression(cfg.items, task.variables);
    if (!Array.isArray(items)) throw new PluginFailure("NotAList", `The for-each list "${cfg.items}" gave ${typeof items}, not a list.`, { nonRetryable: true });
    const results: unknown[] = new Array(items.length);
    const limit = cfg.mode === "sequential" ? 1 : cfg.concurrency;
    let next = 0;
    const lane = async () => {
      while (next < items.length) {
        const i = next++;
        if (base.signal.aborted) throw new PluginFailure("Cancelled", "The for-each was cancelled.");
        const variables = { ...task.variables, [cfg.itemVariable]: items[i], index: i };
        // Plugins resolve their own "=…" settings against the variables, which now hold the item.
        results[i] = await this.invoke(cfg.task.type, cfg.task, { ...base, variables, idempotencyKey: `${base.idempotencyKey}:${i}` });
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, Math.max(1, items.length)) }, lane));
    return results;
  }

  /**
   * For tests and tools: reaps, claims what is due and waits for those tasks to finish, and for
   * the next steps their completions started. Returns how many tasks it ran. The loop (start())
   * is not needed for this.
   */
  async drainOnce(): Promise<number> {
    await reapExpiredLeases(this.deps);
    await expireRuns(this.deps);
    const before = this.started;
    const tasks = await claimTasks(this.deps, this.id, this.slots);
    for (const t of tasks) this.execute(t);
    // Completions may bring next steps with them (eager start): wait for those too.
    while (this.settling.size) await Promise.all([...this.settling]);
    return this.started - before;
  }

  /** Aborts running tasks whose lease is gone (cancelled run, withdrawn task, expired lease). */
  private async checkLeases(): Promise<void> {
    if (!this.running.size) return;
    const ids = [...this.running.keys()];
    try {
      const live = await this.deps.prisma.task.findMany({ where: { id: { in: ids }, status: "leased", leaseOwner: this.id }, select: { id: true, attempt: true } });
      const ok = new Set(live.map((t) => `${t.id}:${t.attempt}`));
      for (const [id, r] of this.running) if (!ok.has(`${id}:${r.task.attempt}`)) r.abort.abort(new Error("the task was withdrawn or its lease lost"));
    } catch (error) {
      this.deps.log.warn({ err: error }, "lease check failed");
    }
  }

  /** Stops claiming; waits up to `graceMs` for running tasks, then aborts them and gives their leases back. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    this.poke();
    await this.loop;
    if (this.checker) clearInterval(this.checker);
    const all = [...this.running.values()];
    const finished = Promise.all(all.map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([finished.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs)))]);
    clearTimeout(timer);
    if (timedOut) {
      for (const r of this.running.values()) {
        // Give the lease back first, so the aborted attempt cannot record a failure.
        await releaseTask(this.deps, { taskId: r.task.id, worker: this.id, attempt: r.task.attempt }).catch(() => false);
        r.abort.abort(new Error("the worker is stopping"));
      }
    }
    // Completions still in flight are written before the worker is done (not the aborted
    // plugins: a plugin that ignores its signal must not hold the stop up).
    const plugins = new Set([...this.running.values()].map((r) => r.done));
    await Promise.all([...this.settling].filter((p) => !plugins.has(p)));
    await this.sealing;
    for (const u of this.unlisten) await u().catch(() => undefined);
  }

  get busy(): number {
    return this.running.size;
  }
}
