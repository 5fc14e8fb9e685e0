/**
 * Reading a run's history. The engine stores it one row per write (run_event_batches: the events
 * that write appended, numbered first_seq..last_seq); these helpers give it back one event at a
 * time, numbered 1..n, as every reader wants it.
 */
import type { Db } from "../db/database";
import type { EngineEvent } from "./events";

/** One event of a run's history. */
export type HistoryEvent = {
  seq: number;
  type: EngineEvent["type"];
  nodeId: string | null;
  taskId: string | null;
  attempt: number | null;
  payload: EngineEvent;
  /** When the write that appended it happened. */
  at: Date;
};

/** Which part of the history to read: events after `afterSeq` (default 0), at most `limit`. */
export type HistoryRange = { afterSeq?: number; limit?: number };

type Row = { seq: number; payload: EngineEvent; at: Date | string };

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

/**
 * A run's events in order, `afterSeq` < seq, at most `limit` of them (all when omitted). Batches
 * wholly before `afterSeq` are skipped by the primary key (run_id, first_seq) and last_seq.
 */
export async function readHistory(db: Db, runId: string, range: HistoryRange = {}): Promise<HistoryEvent[]> {
  const after = range.afterSeq ?? 0;
  const limit = range.limit ?? null;
  const rows = await db.$queryRaw<Row[]>`
    SELECT (b.first_seq + e.i - 1)::int AS seq, e.p AS payload, b.at
    FROM run_event_batches b CROSS JOIN LATERAL jsonb_array_elements(b.events) WITH ORDINALITY AS e(p, i)
    WHERE b.run_id = ${runId}::uuid AND b.last_seq > ${after}::int AND b.first_seq + e.i - 1 > ${after}::int
    ORDER BY b.first_seq, e.i
    LIMIT ${limit}::int`;
  return rows.map(toEvent);
}

/** Only the payloads, in order: what folding and the engine's own look-backs need. */
export async function readEvents(db: Db, runId: string): Promise<EngineEvent[]> {
  return (await readHistory(db, runId)).map((e) => e.payload);
}

function toEvent(r: Row): HistoryEvent {
  const p = r.payload as EngineEvent & { nodeId?: unknown; taskId?: unknown; attempt?: unknown };
  return {
    seq: Number(r.seq),
    type: p.type,
    nodeId: str(p.nodeId),
    taskId: str(p.taskId),
    attempt: typeof p.attempt === "number" ? p.attempt : null,
    payload: p,
    at: r.at instanceof Date ? r.at : new Date(r.at),
  };
}
