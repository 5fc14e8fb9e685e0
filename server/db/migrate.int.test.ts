import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "../../lib/errors";
import { createPostgresDatabase, DATABASE_KINDS } from "../testing/databases";
import { checksumOf, migrate, pendingMigrations, readMigrations, type Migration, type SqlSession } from "./migrate";
import { openDatabase } from "./database";

const m = (name: string, sql: string): Migration => ({ name, sql, checksum: checksumOf(sql) });
const ONE = m("20260101000000_one", "CREATE TABLE one (id int primary key);");
const TWO = m("20260102000000_two", "CREATE TABLE two (id int primary key);");

type Handle = { session(): Promise<SqlSession & { close(): Promise<void> }>; close(): Promise<void> };

async function pgliteHandle(): Promise<Handle> {
  const db = new PGlite("memory://");
  return {
    async session() {
      return { query: async (s, p) => (await db.query(s, p)).rows as never, exec: async (s) => void (await db.exec(s)), close: async () => undefined };
    },
    close: () => db.close(),
  };
}

async function postgresHandle(): Promise<Handle> {
  const created = await createPostgresDatabase();
  const clients: pg.Client[] = [];
  return {
    async session() {
      const c = new pg.Client({ connectionString: created.url });
      await c.connect();
      clients.push(c);
      return { query: async (s, p) => (await c.query(s, p)).rows as never, exec: async (s) => void (await c.query(s)), close: () => c.end() };
    },
    async close() {
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
      await created.drop();
    },
  };
}

describe.each(DATABASE_KINDS)("migration runner on %s", (kind) => {
  let handle: Handle;
  beforeAll(async () => {
    handle = kind === "pglite" ? await pgliteHandle() : await postgresHandle();
  });
  afterAll(() => handle.close());

  it("applies pending migrations once, in order, and records them in _prisma_migrations", async () => {
    const s = await handle.session();
    expect(await migrate(s, [ONE])).toEqual({ applied: [ONE.name], alreadyApplied: 0 });
    expect(await migrate(s, [ONE, TWO])).toEqual({ applied: [TWO.name], alreadyApplied: 1 });
    expect(await migrate(s, [ONE, TWO])).toEqual({ applied: [], alreadyApplied: 2 });
    const rows = await s.query<{ migration_name: string; checksum: string }>(`SELECT migration_name, checksum FROM "_prisma_migrations" ORDER BY migration_name`);
    expect(rows).toEqual([
      { migration_name: ONE.name, checksum: ONE.checksum },
      { migration_name: TWO.name, checksum: TWO.checksum },
    ]);
    expect(await pendingMigrations(s, [ONE, TWO, m("20260103000000_three", "SELECT 1;")])).toEqual(["20260103000000_three"]);
  });

  it("refuses to start when an applied migration was edited", async () => {
    const s = await handle.session();
    const edited = m(ONE.name, "CREATE TABLE one (id bigint primary key);");
    const error = await migrate(s, [edited, TWO]).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe("CONFLICT");
    expect((error as Error).message).toMatch(/^Migration 20260101000000_one was edited after it was applied/);
  });

  it("refuses a database migrated by a newer version", async () => {
    const s = await handle.session();
    const error = await migrate(s, [ONE]).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/has migration 20260102000000_two, which this version of Petrel does not have/);
  });

  it("rolls back a failing migration completely and reports it", async () => {
    const s = await handle.session();
    const bad = m("20260104000000_bad", "CREATE TABLE half (id int); SELECT * FROM no_such_table;");
    const error = await migrate(s, [ONE, TWO, bad]).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/Migration 20260104000000_bad failed and was rolled back/);
    const half = await s.query<{ t: string | null }>(`SELECT to_regclass('half')::text AS t`);
    expect(half[0]?.t).toBeNull();
    expect(await pendingMigrations(s, [ONE, TWO, bad])).toEqual([bad.name]);
  });
});

describe("migration runner with several processes on PostgreSQL", () => {
  it("applies each migration exactly once when many start at the same time (advisory lock)", async () => {
    const handle = await postgresHandle();
    try {
      const sessions = await Promise.all([1, 2, 3, 4].map(() => handle.session()));
      const reports = await Promise.all(sessions.map((s) => migrate(s, readMigrations())));
      const appliedCounts = reports.map((r) => r.applied.length).sort();
      expect(appliedCounts).toEqual([0, 0, 0, readMigrations().length]);
      const rows = await sessions[0]!.query<{ n: number }>(`SELECT count(*)::int AS n FROM "_prisma_migrations"`);
      expect(rows[0]?.n).toBe(readMigrations().length);
    } finally {
      await handle.close();
    }
  });
});

/** A database with every migration before the one whose name ends in `suffix` applied. */
async function migratedUpTo(kind: (typeof DATABASE_KINDS)[number], suffix: string): Promise<{ handle: Handle; s: SqlSession & { close(): Promise<void> }; all: Migration[] }> {
  const handle = kind === "pglite" ? await pgliteHandle() : await postgresHandle();
  const s = await handle.session();
  const all = readMigrations();
  const at = all.findIndex((x) => x.name.endsWith(suffix));
  expect(at).toBeGreaterThan(0);
  await migrate(s, all.slice(0, at));
  return { handle, s, all };
}

describe.each(DATABASE_KINDS)("the audit chain across the migration that seals it after commit, on %s", (kind) => {
  it("rows chained by their writers before it stay one chain with the rows sealed after it", async () => {
    const { handle, s, all } = await migratedUpTo(kind, "_audit_chain_sealed_after_commit");
    try {
      const row = (action: string) => `INSERT INTO audit_log (at, actor_type, actor_label, action, target_type, request_id) VALUES (now(), 'system', 'test', '${action}', 'test', 'req')`;
      for (const action of ["old.one", "old.two", "old.three"]) await s.exec(row(action));
      await migrate(s, all);
      await s.exec(row("new.one"));
      expect(await s.query<{ n: number }>(`SELECT audit_log_seal(100) AS n`)).toEqual([{ n: 1 }]);
      const chain = await s.query<{ action: string; seq: string; linked: boolean; intact: boolean }>(
        `SELECT a.action, c.seq::text AS seq, c.prev_hash = coalesce(lag(c.hash) OVER (ORDER BY c.seq), '') AS linked, c.hash = audit_row_hash(a, c.prev_hash) AS intact
         FROM audit_chain c JOIN audit_log a ON a.id = c.audit_id ORDER BY c.seq`,
      );
      expect(chain).toEqual(["old.one", "old.two", "old.three", "new.one"].map((action, i) => ({ action, seq: String(i + 1), linked: true, intact: true })));
      expect(await s.query(`SELECT id FROM audit_unsealed`)).toEqual([]);
      await s.close();
    } finally {
      await handle.close();
    }
  });
});

describe.each(DATABASE_KINDS)("run history across the migration that stores it one row per write, on %s", (kind) => {
  it("keeps every event with its number, payload and time, and refuses a batch numbered wrongly", async () => {
    const { handle, s, all } = await migratedUpTo(kind, "_run_history_batches");
    try {
      const run = "00000000-0000-4000-8000-000000000001";
      const events = [
        { type: "RunStarted", input: {}, marking: [1] },
        { type: "NodeScheduled", nodeId: "a", taskId: "00000000-0000-4000-8000-0000000000aa", kind: "activity", transition: 0, runAt: "2026-11-28T00:00:00.000Z", consumed: [0], consumeOnFire: false },
        { type: "RunCompleted" },
      ];
      for (const [i, p] of events.entries()) {
        await s.query(`INSERT INTO run_events (run_id, seq, type, node_id, payload, at) VALUES ($1, $2, $3, $4, $5, $6)`, [run, i + 1, p.type, (p as { nodeId?: string }).nodeId ?? null, JSON.stringify(p), `2026-11-28T00:00:0${i}.000Z`]);
      }
      await migrate(s, all);
      const rows = await s.query<{ first_seq: number; last_seq: number; events: unknown; at: string }>(`SELECT first_seq, last_seq, events, to_char(at AT TIME ZONE 'UTC', 'SS') AS at FROM run_event_batches WHERE run_id = $1 ORDER BY first_seq`, [run]);
      expect(rows).toEqual(events.map((p, i) => ({ first_seq: i + 1, last_seq: i + 1, events: [p], at: `0${i}` })));
      expect(await s.query(`SELECT to_regclass('run_events')::text AS t`)).toEqual([{ t: null }]);
      // A batch must number exactly the events it holds.
      const wrong = await s.query(`INSERT INTO run_event_batches (run_id, first_seq, last_seq, events, at) VALUES ($1, 4, 6, '[{"type":"RunPaused"}]', now())`, [run]).catch((e: unknown) => e);
      expect(String(wrong)).toContain("run_event_batches_numbered");
      await s.close();
    } finally {
      await handle.close();
    }
  });
});

describe("embedded database folder", () => {
  it("keeps data across reopen and refuses a second opener while the first holds it", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "petrel-data-"));
    try {
      const first = await openDatabase({ kind: "pglite", dataDir: dir });
      await first.prisma.user.create({ data: { email: "keep@example.com", name: "Keep", role: "viewer", passwordHash: "x" } });
      const error = await openDatabase({ kind: "pglite", dataDir: dir }).catch((e: unknown) => e);
      expect((error as Error).message).toContain(`is in use by another Petrel process (pid ${process.pid})`);
      await first.close();
      const again = await openDatabase({ kind: "pglite", dataDir: dir });
      expect(again.migrations.applied).toEqual([]);
      expect(await again.prisma.user.count({ where: { email: "keep@example.com" } })).toBe(1);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
