/**
 * Test support: a fresh database of each kind — embedded PGlite and PostgreSQL at
 * TEST_DATABASE_URL — so integration tests run against both. PostgreSQL databases get a random
 * name and are dropped afterwards. An unreachable PostgreSQL fails the test; nothing is skipped.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { parseConfig, type Config } from "../config";
import { openDatabase, type Database } from "../db/database";
import { createLogger } from "../observability/logger";
import type { ServiceDeps } from "../services/deps";
import { builtinPlugins } from "../nodes/builtins";

export const DATABASE_KINDS = ["pglite", "postgresql"] as const;
export type DatabaseKind = (typeof DATABASE_KINDS)[number];

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** A clock tests move by hand. */
export class FakeClock {
  constructor(private t = Date.parse("2026-01-05T09:00:00Z")) {}
  now = (): Date => new Date(this.t);
  advance(ms: number): void {
    this.t += ms;
  }
}

/** Tests call HTTP servers on loopback; the HTTP step refuses loopback unless allowed, so tests allow it explicitly. */
export const LOOPBACK = ["127.0.0.1", "localhost", "::1"];

export function testConfig(env: Record<string, string> = {}): Config {
  return parseConfig({ NODE_ENV: "test", LOG_LEVEL: "silent", PETREL_SEED_DEMO: "false", PETREL_HTTP_ALLOW: LOOPBACK.join(","), ...env });
}

/** Creates an empty PostgreSQL database; returns its URL and a function that drops it. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `petrel_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export type TestDatabase = {
  kind: DatabaseKind;
  db: Database;
  deps: ServiceDeps;
  clock: FakeClock;
  /** Set for PostgreSQL. */
  url?: string;
  close(): Promise<void>;
};

export async function openTestDatabase(kind: DatabaseKind, env: Record<string, string> = {}): Promise<TestDatabase> {
  const clock = new FakeClock();
  // A data folder of its own (the secrets key file lives there), removed on close.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "petrel-test-"));
  const removeDataDir = () => rmSync(dataDir, { recursive: true, force: true });
  if (kind === "pglite") {
    const config = testConfig({ PETREL_DATA_DIR: dataDir, ...env });
    const db = await openDatabase({ kind: "pglite-memory" });
    return { kind, db, clock, deps: { prisma: db.prisma, config, log: createLogger("silent"), now: clock.now, plugins: builtinPlugins({ httpAllow: LOOPBACK }) }, close: async () => (await db.close(), removeDataDir()) };
  }
  const created = await createPostgresDatabase();
  const config = testConfig({ PETREL_DATA_DIR: dataDir, ...env, DATABASE_URL: created.url });
  const db = await openDatabase({ kind: "postgres", url: created.url });
  return {
    kind,
    db,
    clock,
    url: created.url,
    deps: { prisma: db.prisma, config, log: createLogger("silent"), now: clock.now, plugins: builtinPlugins({ httpAllow: LOOPBACK }) },
    async close() {
      await db.close();
      await created.drop();
      removeDataDir();
    },
  };
}
