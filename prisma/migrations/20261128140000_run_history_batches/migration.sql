-- A run's history is stored one row per write instead of one row per event. Every engine write
-- appends several events to a run at once (a completed step is TaskStarted, TaskCompleted, the
-- next NodeScheduled, and so on): each write now stores them as one JSON array, numbered
-- first_seq..last_seq, with one index entry, where it used to cost a heap row and a primary-key
-- entry per event. Temporal stores its histories the same way (one batch of events per
-- transaction). The events themselves, their numbering (1..runs.last_seq, no gaps, each number
-- once) and their payloads are unchanged; server/engine/history.ts reads them back one by one.
CREATE TABLE "run_event_batches" (
    "run_id" UUID NOT NULL,
    "first_seq" INTEGER NOT NULL,
    "last_seq" INTEGER NOT NULL,
    "events" JSONB NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "run_event_batches_pkey" PRIMARY KEY ("run_id","first_seq"),
    -- A batch numbers exactly the events it holds.
    CONSTRAINT "run_event_batches_numbered" CHECK (
      "first_seq" >= 1 AND jsonb_typeof("events") = 'array' AND "last_seq" - "first_seq" + 1 = jsonb_array_length("events"))
);

-- Existing history: each event becomes a batch of one, with its number and time.
INSERT INTO "run_event_batches" ("run_id", "first_seq", "last_seq", "events", "at")
SELECT "run_id", "seq", "seq", jsonb_build_array("payload"), "at" FROM "run_events";

DROP TABLE "run_events";
