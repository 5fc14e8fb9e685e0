/**
 * NOTIFY after commit, merged. A transaction that NOTIFYs takes PostgreSQL's one database-wide
 * notification lock at commit and holds it until the commit is on disk, so every such transaction
 * waits for the WAL flushes of all others before it. The engine's hot statements therefore commit
 * without notifying, and hand the ids to this notifier, which sends them in a statement of its own:
 * one at a time, merging everything handed over while the last one was on its way or during a short
 * pause after it (`lingerMs`), on a connection whose commits do not wait for the disk (a
 * notification holds no state worth keeping: listeners read what changed from the tables, and
 * poll as a safety net). The first notification after a quiet spell goes at once; under load,
 * a process sends at most one notifying statement per pause, however many writes it commits.
 */

/** Ids per notification: NOTIFY payloads are at most 8000 bytes, a uuid and a comma take 37. */
const IDS_PER_PAYLOAD = 200;

/** Sends [channel, payload] pairs in one statement. */
export type NotifySender = (pairs: Array<[string, string]>) => Promise<void>;

/** The statement a sender runs: its one parameter is the pairs as JSON. */
export const NOTIFY_SQL = "SELECT count(pg_notify(x->>0, x->>1))::int AS n FROM jsonb_array_elements($1::jsonb) AS x";

export class Notifier {
  /** Channel -> ids to send (an empty set sends one empty payload). */
  private pending = new Map<string, Set<string>>();
  private sending: Promise<void> | null = null;
  private onError: (error: unknown) => void = () => undefined;

  constructor(
    private readonly send: NotifySender,
    private readonly lingerMs = 0,
  ) {}

  /**
   * Queues a notification on `channel` carrying `ids` (comma-separated, in payloads of at most
   * 200), or an empty payload when `ids` is omitted. Sent at once when nothing is on its way,
   * else merged into the next statement. Never throws: a failed send goes to `onError`.
   */
  notify(channel: string, ids?: Iterable<string>, onError?: (error: unknown) => void): void {
    if (onError) this.onError = onError;
    let set = this.pending.get(channel);
    if (!set) this.pending.set(channel, (set = new Set()));
    if (ids) for (const id of ids) set.add(id);
    this.sending ??= this.loop();
  }

  /** Resolves once everything queued so far has been sent (or has failed). */
  async drain(): Promise<void> {
    while (this.sending) await this.sending;
  }

  private async loop(): Promise<void> {
    try {
      while (this.pending.size) {
        const batch = this.pending;
        this.pending = new Map();
        const pairs: Array<[string, string]> = [];
        for (const [channel, ids] of batch) {
          if (!ids.size) pairs.push([channel, ""]);
          const all = [...ids];
          for (let i = 0; i < all.length; i += IDS_PER_PAYLOAD) pairs.push([channel, all.slice(i, i + IDS_PER_PAYLOAD).join(",")]);
        }
        try {
          await this.send(pairs);
        } catch (error) {
          this.onError(error);
        }
        if (this.lingerMs > 0) await new Promise((r) => setTimeout(r, this.lingerMs));
      }
    } finally {
      this.sending = null;
    }
  }
}
