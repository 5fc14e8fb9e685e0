-- The audit chain is sealed after commit, no longer by the writer.
--
-- Before, each writer chained its own row: the insert trigger took one database-wide advisory lock
-- and held it to the end of the writer's transaction, through its commit and disk flush. Every
-- audited change in every process (each run start among them) waited for the one before it, and
-- run starts reached about half the rate they reach without the chain.
--
-- Now a writer inserts its row and queues its id in audit_unsealed, under no lock. The sealer
-- (audit_log_seal, called by every worker once a second and before every verification) takes the
-- lock in a short transaction of its own and appends the committed queued rows, in id order, to
-- audit_chain: each gets the next seq, the previous link's hash as prev_hash, and its hash (the
-- formula is unchanged). The chain runs in seq order: a row that commits late is sealed after rows
-- with higher ids. audit_log rows never change; audit_chain rows never change either.

-- CreateTable
CREATE TABLE "audit_chain" (
    "seq" BIGINT NOT NULL,
    "audit_id" BIGINT NOT NULL,
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "audit_chain_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "audit_unsealed" (
    "id" BIGINT NOT NULL,

    CONSTRAINT "audit_unsealed_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "audit_chain_audit_id_key" ON "audit_chain"("audit_id");

-- The rows chained so far, in id order, with the links they have.
INSERT INTO "audit_chain" ("seq", "audit_id", "prev_hash", "hash")
SELECT row_number() OVER (ORDER BY "id"), "id", "prev_hash", "hash" FROM "audit_log";

-- The hash takes the previous hash as an argument now that it is no column of the row.
DROP FUNCTION audit_row_hash(audit_log);
CREATE FUNCTION audit_row_hash(r audit_log, prev text) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT encode(sha256(convert_to(jsonb_build_array(
    prev, r.id, (extract(epoch FROM r.at) * 1000)::bigint, r.actor_type, r.actor_id, r.actor_label,
    r.action, r.target_type, r.target_id, r.before, r.after, r.request_id, r.ip, r.user_agent)::text, 'UTF8')), 'hex')
$$;

-- The insert trigger no longer locks nor chains: it draws the id, fills the search vector and
-- queues the row for the sealer.
DROP TRIGGER "audit_log_chain" ON "audit_log";
DROP FUNCTION audit_log_chain();
CREATE FUNCTION audit_log_prepare() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.id := nextval(pg_get_serial_sequence('audit_log', 'id'));
  NEW.search := audit_row_search(NEW);
  INSERT INTO audit_unsealed (id) VALUES (NEW.id);
  RETURN NEW;
END
$$;
CREATE TRIGGER "audit_log_prepare" BEFORE INSERT ON "audit_log" FOR EACH ROW EXECUTE FUNCTION audit_log_prepare();

-- AlterTable
ALTER TABLE "audit_log" DROP COLUMN "hash",
DROP COLUMN "prev_hash";

-- Seals up to max_rows committed queued rows, in id order; returns how many it took from the
-- queue. One sealer at a time
-- (the lock is held to the end of the sealer's transaction, so the next one starts from the link
-- this one left); every statement here sees what committed before it.
CREATE FUNCTION audit_log_seal(max_rows int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  prev text;
  next_seq bigint;
  r audit_log;
  n int := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(7316001);
  SELECT c.hash, c.seq INTO prev, next_seq FROM audit_chain c ORDER BY c.seq DESC LIMIT 1;
  prev := coalesce(prev, '');
  next_seq := coalesce(next_seq, 0);
  FOR r IN SELECT a.* FROM audit_unsealed u JOIN audit_log a ON a.id = u.id ORDER BY u.id LIMIT max_rows LOOP
    DELETE FROM audit_unsealed WHERE id = r.id;
    n := n + 1;
    -- A queued row that has a link already (one written by hand) keeps it: the verification
    -- judges that link.
    CONTINUE WHEN EXISTS (SELECT 1 FROM audit_chain c WHERE c.audit_id = r.id);
    next_seq := next_seq + 1;
    INSERT INTO audit_chain (seq, audit_id, prev_hash, hash) VALUES (next_seq, r.id, prev, audit_row_hash(r, prev)) RETURNING hash INTO prev;
  END LOOP;
  RETURN n;
END
$$;

-- Append-only, both tables; the message names the table.
CREATE OR REPLACE FUNCTION audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER "audit_chain_no_update" BEFORE UPDATE OR DELETE ON "audit_chain" FOR EACH ROW EXECUTE FUNCTION audit_log_immutable();
CREATE TRIGGER "audit_chain_no_truncate" BEFORE TRUNCATE ON "audit_chain" FOR EACH STATEMENT EXECUTE FUNCTION audit_log_immutable();
