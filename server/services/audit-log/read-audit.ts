/**
 * The audit log for admins: filtered pages (newest first, cursor by id), the verification of the
 * hash chain, and export of a filter as CSV or JSON Lines. Every filter is served by an index
 * (action, actor, target, time, and a GIN index of the row's text for free-text search).
 */
import { z } from "zod";
import { AppError } from "../../../lib/errors";
import { sealAuditChain } from "../../db/audit-chain";
import type { PrismaClient } from "../../db/database";
import type { ServiceDeps } from "../deps";

export const AuditFilterSchema = z.object({
  /** An email or a user / token id. */
  actor: z.string().trim().max(320).optional(),
  /** An action (`workflow.publish`), or a family ending in `.*` (`workflow.*`). */
  action: z.string().trim().max(100).regex(/^[a-z][a-z0-9_.]*(\.\*)?$/, "must be an action such as workflow.publish or workflow.*").optional(),
  targetType: z.string().trim().max(50).optional(),
  targetId: z.string().trim().max(100).optional(),
  from: z.coerce.date({ error: "must be a date and time" }).optional(),
  to: z.coerce.date({ error: "must be a date and time" }).optional(),
  /** Free text: every word must appear (as a word prefix) somewhere in the row. */
  q: z.string().trim().max(200).optional(),
});
export type AuditFilter = z.infer<typeof AuditFilterSchema>;

export const ListAuditInputSchema = AuditFilterSchema.extend({
  limit: z.number().int().min(1).max(200).default(50),
  /** The id of the last row of the previous page. */
  cursor: z.string().regex(/^\d{1,19}$/, "must be a row id").optional(),
});

export type AuditRow = {
  id: string;
  at: Date;
  actorType: string;
  actorId: string | null;
  actorLabel: string;
  action: string;
  targetType: string;
  targetId: string | null;
  before: unknown;
  after: unknown;
  requestId: string;
  ip: string | null;
  userAgent: string | null;
  /** "" until the row is sealed into the chain, shortly after its commit (see db/audit-chain). */
  prevHash: string;
  hash: string;
};

const COLUMNS = `a.id::text AS id, a.at, a.actor_type AS "actorType", a.actor_id AS "actorId", a.actor_label AS "actorLabel", a.action,
  a.target_type AS "targetType", a.target_id AS "targetId", a.before, a.after, a.request_id AS "requestId", a.ip, a.user_agent AS "userAgent",
  coalesce(c.prev_hash, '') AS "prevHash", coalesce(c.hash, '') AS hash`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** SQL conditions and parameters of a filter. */
async function conditions(prisma: PrismaClient, f: AuditFilter, params: unknown[]): Promise<string[]> {
  const where: string[] = [];
  const p = (v: unknown) => (params.push(v), `$${params.length}`);
  if (f.from && f.to && f.from >= f.to) throw new AppError("INVALID_INPUT", { message: "The time range is empty: from must come before to.", details: { fields: [{ path: "to", message: "must be after from" }] } });
  if (f.actor) {
    // An email names the person and every token they made.
    const ids = UUID.test(f.actor) ? [f.actor] : [];
    const person = await prisma.user.findUnique({ where: { email: f.actor.toLowerCase() }, select: { id: true, apiTokens: { select: { id: true } } } });
    if (person) ids.push(person.id, ...person.apiTokens.map((t) => t.id));
    where.push(ids.length ? `(actor_id = ANY(${p(ids)}::text[]) OR actor_label = ${p(f.actor)})` : `(actor_id = ${p(f.actor)} OR actor_label = ${p(f.actor)})`);
  }
  if (f.action) where.push(f.action.endsWith(".*") ? `action LIKE ${p(`${f.action.slice(0, -1)}%`)}` : `action = ${p(f.action)}`);
  if (f.targetType) where.push(`target_type = ${p(f.targetType)}`);
  if (f.targetId) where.push(`target_id = ${p(f.targetId)}`);
  if (f.from) where.push(`at >= ${p(f.from)}::timestamptz`);
  if (f.to) where.push(`at < ${p(f.to)}::timestamptz`);
  if (f.q) {
    const words = f.q.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
    if (words.length) where.push(`search @@ to_tsquery('simple', ${p(words.slice(0, 10).map((w) => `${w}:*`).join(" & "))})`);
  }
  return where;
}

/** One page of rows matching the filter, newest first. */
export async function listAudit(deps: ServiceDeps, input: z.input<typeof ListAuditInputSchema>) {
  const a = ListAuditInputSchema.parse(input);
  const page = await auditPage(deps.prisma, a, a.cursor ?? null, a.limit);
  return { rows: page, nextCursor: page.length === a.limit ? page[page.length - 1]!.id : null };
}

async function auditPage(prisma: PrismaClient, f: AuditFilter, cursor: string | null, limit: number): Promise<AuditRow[]> {
  const params: unknown[] = [];
  const where = await conditions(prisma, f, params);
  if (cursor) where.push(`audit_log.id < $${params.push(cursor)}::bigint`);
  params.push(limit);
  // A bounded window of at most a week holds few rows: read them through the time (or action and
  // time) index and sort, rather than walk the id order from the newest row down to the window.
  const narrow = f.from && f.to && f.to.getTime() - f.from.getTime() <= 7 * 86_400_000;
  // The page is found first, then its links are looked up (a join inside would change the page's plan).
  const page = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY audit_log.id${narrow ? " + 0" : ""} DESC LIMIT $${params.length}::int`;
  const sql = `SELECT ${COLUMNS} FROM (${page}) a LEFT JOIN audit_chain c ON c.audit_id = a.id ORDER BY a.id DESC`;
  return prisma.$queryRawUnsafe<AuditRow[]>(sql, ...params);
}

/** Every row of a filter, newest first, a page at a time (for export). */
export async function* auditRows(prisma: PrismaClient, f: AuditFilter, pageSize = 1000): AsyncGenerator<AuditRow> {
  let cursor: string | null = null;
  for (;;) {
    const page = await auditPage(prisma, f, cursor, pageSize);
    yield* page;
    if (page.length < pageSize) return;
    cursor = page[page.length - 1]!.id;
  }
}

export type ChainReport = {
  ok: boolean;
  /** Rows checked (every row committed when the verification began: it seals them first). */
  rows: number;
  /** The first row whose hash or link does not hold, and why. */
  firstBroken: { id: string; reason: string } | null;
  /** The hash of the last row (publish it elsewhere to detect a truncated tail). */
  head: string | null;
  /** Rows waiting for the sealer when the walk began (committed since it sealed, or left by a sealer that failed). */
  unsealed: number;
};

/**
 * Seals the rows committed since the last seal, then walks the chain from its first row, in chain
 * order: each row's hash must be the hash of its fields and the previous hash, and each row must
 * link to the row before it. Stops at the first broken row.
 */
export async function verifyAuditChain(prisma: PrismaClient, pageSize = 10_000): Promise<ChainReport> {
  // A sealer that fails leaves its rows queued: the walk below still judges every link there is,
  // and the report counts the rows left unsealed.
  await sealAuditChain(prisma).catch(() => 0);
  const [{ n: unsealed }] = await prisma.$queryRawUnsafe<[{ n: number }]>(`SELECT count(*)::int AS n FROM audit_unsealed`);
  let cursor = "0";
  let prev = "";
  let rows = 0;
  for (;;) {
    const page = await prisma.$queryRawUnsafe<Array<{ id: string; seq: string; prev_hash: string; hash: string; computed: string }>>(
      `SELECT a.id::text AS id, c.seq::text AS seq, c.prev_hash, c.hash, audit_row_hash(a, c.prev_hash) AS computed
       FROM audit_chain c JOIN audit_log a ON a.id = c.audit_id WHERE c.seq > $1::bigint ORDER BY c.seq LIMIT $2::int`,
      cursor,
      pageSize,
    );
    for (const r of page) {
      rows++;
      if (r.prev_hash !== prev) return { ok: false, rows, firstBroken: { id: r.id, reason: "its link to the row before does not hold: that row was changed or removed" }, head: null, unsealed };
      if (r.computed !== r.hash) return { ok: false, rows, firstBroken: { id: r.id, reason: "its contents were changed after it was written" }, head: null, unsealed };
      prev = r.hash;
    }
    if (page.length < pageSize) break;
    cursor = page[page.length - 1]!.seq;
  }
  // Every committed row is in the chain or still queued for the sealer; one that is in neither had its link removed.
  const [missing] = await prisma.$queryRawUnsafe<Array<{ id: string }>>(
    `SELECT a.id::text AS id FROM audit_log a WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.audit_id = a.id)
       AND NOT EXISTS (SELECT 1 FROM audit_unsealed u WHERE u.id = a.id) ORDER BY a.id LIMIT 1`,
  );
  if (missing) return { ok: false, rows, firstBroken: { id: missing.id, reason: "it is not in the chain: its link was removed" }, head: null, unsealed };
  return { ok: true, rows, firstBroken: null, head: prev || null, unsealed };
}

/** A CSV cell: quoted when needed; a leading = + - @ is neutralised so spreadsheets do not run it. */
function csvCell(value: unknown): string {
  let s = value === null || value === undefined ? "" : value instanceof Date ? value.toISOString() : typeof value === "object" ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_HEADER = ["id", "at", "actorType", "actorId", "actorLabel", "action", "targetType", "targetId", "before", "after", "requestId", "ip", "userAgent", "prevHash", "hash"] as const;

export function csvLine(row: AuditRow): string {
  return `${CSV_HEADER.map((k) => csvCell(row[k])).join(",")}\r\n`;
}

export function jsonLine(row: AuditRow): string {
  return `${JSON.stringify(row)}\n`;
}
