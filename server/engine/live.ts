/**
 * Live run events for the browser: every statement that appends history NOTIFYs `petrel_run_events`
 * with the ids of the runs it wrote, comma-separated (one notification per statement, split in
 * chunks that fit NOTIFY's payload limit); each web process LISTENs once and wakes the subscriptions watching that run
 * (or any run, for the runs list). A run executed by a worker process thus reaches a browser
 * connected to any web process. Subscriptions read the events themselves from the table, by
 * sequence number, so a lost or merged notification can delay an event but never lose it.
 */
import type { Listen } from "./worker";

export const RUN_EVENTS_CHANNEL = "petrel_run_events";

export class RunEventHub {
  private readonly byRun = new Map<string, Set<() => void>>();
  private readonly anyRun = new Set<(runId: string) => void>();
  private unlisten: (() => Promise<void>) | null = null;

  async start(listen: Listen): Promise<void> {
    this.unlisten = await listen(RUN_EVENTS_CHANNEL, (payload) => {
      for (const runId of payload.split(",")) if (runId) this.emit(runId);
    });
  }

  async stop(): Promise<void> {
    await this.unlisten?.().catch(() => undefined);
    this.unlisten = null;
  }

  emit(runId: string): void {
    for (const wake of this.byRun.get(runId) ?? []) wake();
    for (const cb of this.anyRun) cb(runId);
  }

  /** Calls `wake` whenever events of `runId` are committed; returns the unsubscribe function. */
  onRun(runId: string, wake: () => void): () => void {
    let set = this.byRun.get(runId);
    if (!set) this.byRun.set(runId, (set = new Set()));
    set.add(wake);
    return () => {
      set.delete(wake);
      if (!set.size) this.byRun.delete(runId);
    };
  }

  onAny(cb: (runId: string) => void): () => void {
    this.anyRun.add(cb);
    return () => this.anyRun.delete(cb);
  }

  /** Subscriptions open (for metrics and tests). */
  get watchers(): number {
    let n = this.anyRun.size;
    for (const s of this.byRun.values()) n += s.size;
    return n;
  }
}

/**
 * A wake-up that is never lost: a poke that comes while nobody waits is kept for the next wait.
 * `wait` resolves on a poke, after `timeoutMs`, or when `signal` aborts.
 */
export class Waker {
  private poked = false;
  private resolve: (() => void) | null = null;

  poke(): void {
    this.poked = true;
    this.resolve?.();
  }

  async wait(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.poked || signal?.aborted) {
      this.poked = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        this.resolve = null;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener("abort", done, { once: true });
      this.resolve = done;
    });
    this.poked = false;
  }
}
