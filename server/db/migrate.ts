/**
 * The runtime migration runner. Applies prisma/migrations/<name>/migration.sql in name order,
 * each in its own transaction, and records them in Prisma's own `_prisma_migrations` table
 * (checksum = SHA-256 of the file) so that `prisma migrate deploy` elsewhere sees the same
 * history. Runs under a session-level advisory lock on ONE connection, so that of many
 * processes starting at once exactly one migrates and the others wait and then find nothing
 * to do. Refuses to go on when an applied migration was edited, failed, or is unknown here.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { AppError } from "../../lib/errors";

/** One database session (not a pool): the advisory lock belongs to it. */
export type SqlSession = {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script that may hold several statements. */
  exec(sql: string): Promise<void>;
};

export type Migration = { name: string; sql: string; checksum: string };

export const DEFAULT_MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../prisma/migrations");

/** Arbitrary but fixed: "petrel" in ASCII, as a bigint lock key. */
const MIGRATION_LOCK_KEY = 0x706574726c;

export function checksumOf(sql: string): string {
  return createHash("sha256").update(sql).digest("hex");
}

/** Reads the migrations folder. */
export function readMigrations(dir = DEFAULT_MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: checksumOf(sql) };
    });
}

const CREATE_HISTORY_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum"            VARCHAR(64) NOT NULL,
  "finished_at"         TIMESTAMPTZ,
  "migration_name"      VARCHAR(255) NOT NULL,
  "logs"                TEXT,
  "rolled_back_at"      TIMESTAMPTZ,
  "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

type HistoryRow = { migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null };

async function readHistory(session: SqlSession): Promise<HistoryRow[]> {
  const exists = await session.query<{ t: string | null }>(`SELECT to_regclass('"_prisma_migrations"')::text AS t`);
  if (!exists[0]?.t) return [];
  return session.query<HistoryRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL ORDER BY started_at, migration_name`,
  );
}

/** Compares the history with the folder; throws CONFLICT on an edited, failed or unknown migration. */
function checkHistory(history: HistoryRow[], migrations: Migration[]): Migration[] {
  const known = new Map(migrations.map((m) => [m.name, m]));
  for (const row of history) {
    const local = known.get(row.migration_name);
    if (!local) {
      throw new AppError("CONFLICT", {
        message: `The database has migration ${row.migration_name}, which this version of Petrel does not have. It was applied by a newer version; run that version.`,
        details: { migration: row.migration_name },
      });
    }
    if (row.finished_at === null) {
      throw new AppError("CONFLICT", {
        message: `Migration ${row.migration_name} started but did not finish. Repair the database, then mark it rolled back in _prisma_migrations.`,
        details: { migration: row.migration_name },
      });
    }
    if (row.checksum !== local.checksum) {
      throw new AppError("CONFLICT", {
        message: `Migration ${row.migration_name} was edited after it was applied (checksum ${row.checksum.slice(0, 12)}… in the database, ${local.checksum.slice(0, 12)}… on disk). Restore the file and add a new migration instead.`,
        details: { migration: row.migration_name },
      });
    }
  }
  const applied = new Set(history.map((r) => r.migration_name));
  return migrations.filter((m) => !applied.has(m.name));
}

export type MigrationReport = { applied: string[]; alreadyApplied: number };

/** Applies pending migrations under the advisory lock. */
export async function migrate(session: SqlSession, migrations: Migration[] = readMigrations()): Promise<MigrationReport> {
  await session.query(`SELECT pg_advisory_lock($1)`, [MIGRATION_LOCK_KEY]);
  try {
    await session.exec(CREATE_HISTORY_TABLE);
    const history = await readHistory(session);
    const pending = checkHistory(history, migrations);
    for (const m of pending) {
      await session.exec("BEGIN");
      try {
        await session.exec(m.sql);
        await session.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count) VALUES ($1, $2, now(), $3, now(), 1)`,
          [crypto.randomUUID(), m.checksum, m.name],
        );
        await session.exec("COMMIT");
      } catch (error) {
        await session.exec("ROLLBACK");
        throw new AppError("INTERNAL", { message: `Migration ${m.name} failed and was rolled back: ${(error as Error).message}`, cause: error });
      }
    }
    return { applied: pending.map((m) => m.name), alreadyApplied: history.length };
  } finally {
    await session.query(`SELECT pg_advisory_unlock($1)`, [MIGRATION_LOCK_KEY]);
  }
}

/** Names of migrations on disk that the database has not applied (for /api/ready). */
export async function pendingMigrations(session: SqlSession, migrations: Migration[]): Promise<string[]> {
  const history = await readHistory(session);
  const applied = new Set(history.filter((r) => r.finished_at !== null).map((r) => r.migration_name));
  return migrations.filter((m) => !applied.has(m.name)).map((m) => m.name);
}
