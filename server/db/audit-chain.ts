/**
 * The audit log's hash chain is sealed after commit (see the migration
 * "audit_chain_sealed_after_commit"): writers insert their rows unsealed, under no lock, and the
 * sealer chains the committed rows in id order after the last sealed one. Workers seal once a
 * second; the verification seals before it walks the chain.
 */
import type { Db } from "./database";

/** Rows sealed per statement (each statement is one short transaction holding the chain's lock). */
const SEAL_BATCH = 1000;

/** Seals every committed unsealed audit row; returns how many it took from the queue. */
export async function sealAuditChain(db: Db): Promise<number> {
  let sealed = 0;
  for (;;) {
    const [row] = await db.$queryRawUnsafe<Array<{ n: number }>>("SELECT audit_log_seal($1::int) AS n", SEAL_BATCH);
    const n = Number(row?.n ?? 0);
    sealed += n;
    if (n < SEAL_BATCH) return sealed;
  }
}
