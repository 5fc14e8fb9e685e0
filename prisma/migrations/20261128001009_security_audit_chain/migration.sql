-- CreateEnum
CREATE TYPE "WorkflowVisibility" AS ENUM ('organization', 'restricted');

-- CreateEnum
CREATE TYPE "GrantLevel" AS ENUM ('owner', 'editor', 'runner', 'viewer');

-- DropIndex
DROP INDEX "audit_log_actor_id_at_idx";

-- DropIndex
DROP INDEX "audit_log_target_type_target_id_idx";

-- AlterTable
ALTER TABLE "audit_log" ADD COLUMN     "hash" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "prev_hash" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "search" tsvector;

-- AlterTable
ALTER TABLE "workflows" ADD COLUMN     "visibility" "WorkflowVisibility" NOT NULL DEFAULT 'organization';

-- CreateTable
CREATE TABLE "workflow_grants" (
    "workflow_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "level" "GrantLevel" NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "workflow_grants_pkey" PRIMARY KEY ("workflow_id","user_id")
);

-- CreateTable
CREATE TABLE "api_tokens" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "user_id" UUID NOT NULL,
    "token_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "scopes" TEXT[],
    "workflow_id" UUID,
    "expires_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "secrets" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "ciphertext" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "secrets_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "workflow_grants_user_id_idx" ON "workflow_grants"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "api_tokens_user_id_idx" ON "api_tokens"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "secrets_name_key" ON "secrets"("name");

-- CreateIndex
CREATE INDEX "audit_log_action_id_idx" ON "audit_log"("action", "id");

-- CreateIndex
CREATE INDEX "audit_log_actor_id_id_idx" ON "audit_log"("actor_id", "id");

-- CreateIndex
CREATE INDEX "audit_log_actor_label_id_idx" ON "audit_log"("actor_label", "id");

-- CreateIndex
CREATE INDEX "audit_log_target_type_target_id_id_idx" ON "audit_log"("target_type", "target_id", "id");

-- CreateIndex
CREATE INDEX "audit_log_search_idx" ON "audit_log" USING GIN ("search");

-- AddForeignKey
ALTER TABLE "workflow_grants" ADD CONSTRAINT "workflow_grants_workflow_id_fkey" FOREIGN KEY ("workflow_id") REFERENCES "workflows"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "workflow_grants" ADD CONSTRAINT "workflow_grants_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_workflow_id_fkey" FOREIGN KEY ("workflow_id") REFERENCES "workflows"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hash chain of the audit log (written by hand; Prisma does not model functions or triggers).
-- Each row's hash is the hex SHA-256 of a canonical JSON array of the row's fields and the
-- previous row's hash. The chain trigger takes a transaction-level advisory lock, so rows are
-- chained one at a time, in id order (the id is drawn after the lock is held); every statement
-- of the trigger sees what committed before it.
CREATE FUNCTION audit_row_hash(r audit_log) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT encode(sha256(convert_to(jsonb_build_array(
    r.prev_hash, r.id, (extract(epoch FROM r.at) * 1000)::bigint, r.actor_type, r.actor_id, r.actor_label,
    r.action, r.target_type, r.target_id, r.before, r.after, r.request_id, r.ip, r.user_agent)::text, 'UTF8')), 'hex')
$$;

CREATE FUNCTION audit_row_search(r audit_log) RETURNS tsvector LANGUAGE sql STABLE AS $$
  SELECT to_tsvector('simple', concat_ws(' ', r.actor_label, r.action, r.target_type, r.target_id, r.request_id, r.ip,
    left(r.before::text, 10000), left(r.after::text, 10000)))
$$;

CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  prev text;
BEGIN
  PERFORM pg_advisory_xact_lock(7316001);
  NEW.id := nextval(pg_get_serial_sequence('audit_log', 'id'));
  SELECT a.hash INTO prev FROM audit_log a ORDER BY a.id DESC LIMIT 1;
  NEW.prev_hash := coalesce(prev, '');
  NEW.search := audit_row_search(NEW);
  NEW.hash := audit_row_hash(NEW);
  RETURN NEW;
END
$$;

-- Rows written before the chain existed are chained in id order.
DO $$
DECLARE
  r audit_log;
  prev text := '';
BEGIN
  FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
    r.prev_hash := prev;
    prev := audit_row_hash(r);
    UPDATE audit_log SET prev_hash = r.prev_hash, hash = prev, search = audit_row_search(r) WHERE id = r.id;
  END LOOP;
END
$$;

CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

-- Nothing changes or removes audit rows.
CREATE FUNCTION audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_immutable();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_immutable();
