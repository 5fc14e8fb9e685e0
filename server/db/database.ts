/**
 * The one place that opens the database and constructs the Prisma client.
 * Embedded mode: PGlite (PostgreSQL in WebAssembly) in `<dataDir>/pgdata`, guarded by a lock file.
 * Cluster mode: PostgreSQL at DATABASE_URL through node-postgres.
 * Either way pending migrations are applied before the client is handed out.
 */
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "./generated/client";
import { lockDataDir, type DataDirLock } from "./data-dir-lock";
import { migrate, pendingMigrations, readMigrations, type Migration, type MigrationReport, type SqlSession } from "./migrate";
import { Notifier, NOTIFY_SQL } from "./notifier";

export type { PrismaClient };
export type { Prisma } from "./generated/client";
/** A Prisma interactive-transaction handle (what services receive to write change + audit row). */
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];
/** Either the client or a transaction handle: read helpers take this. */
export type Db = PrismaClient | Tx;

/** Runs one statement by name: the engine's hot path (see fastQuery). */
export type FastQuery = <T>(name: string, text: string, params: unknown[]) => Promise<T[]>;
const fastRunners = new WeakMap<PrismaClient, FastQuery>();

/**
 * The engine's hot path to the database. On PostgreSQL: node-postgres with NAMED statements, so
 * each pooled connection parses and plans them once (Prisma sends unnamed statements, planned on
 * every call, and adds its own overhead). Elsewhere (PGlite, whose single connection Prisma's
 * adapter serialises): Prisma's raw query.
 */
export function fastQuery(prisma: PrismaClient): FastQuery {
  return fastRunners.get(prisma) ?? (<T>(_name: string, text: string, params: unknown[]) => prisma.$queryRawUnsafe<T[]>(text, ...params));
}

/** The planner settings of the engine's own connections (see openPostgres). */
export const ENGINE_SESSION_OPTIONS = "-c enable_seqscan=off -c enable_bitmapscan=off -c plan_cache_mode=force_generic_plan";

const notifiers = new WeakMap<PrismaClient, Notifier>();
/** A process sends at most one NOTIFY statement per this pause (see Notifier). */
const NOTIFY_LINGER_MS = 2;

/**
 * The notifier that sends the engine's NOTIFYs after its statements commit (see Notifier). On
 * PostgreSQL it has a connection of its own whose commits do not wait for the disk; elsewhere it
 * sends through Prisma.
 */
export function afterCommit(prisma: PrismaClient): Notifier {
  let n = notifiers.get(prisma);
  if (!n) notifiers.set(prisma, (n = new Notifier(async (pairs) => void (await prisma.$queryRawUnsafe(NOTIFY_SQL, JSON.stringify(pairs))), NOTIFY_LINGER_MS)));
  return n;
}

export type DatabaseOptions =
  | { kind: "pglite"; dataDir: string }
  | { kind: "pglite-memory" }
  | { kind: "postgres"; url: string };

export type Database = {
  kind: DatabaseOptions["kind"];
  prisma: PrismaClient;
  migrations: MigrationReport;
  /** Subscribes to a NOTIFY channel; returns the unsubscribe function. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  /** SELECT 1 and the pending-migration count, for /api/ready. */
  check(): Promise<{ reachable: boolean; pending: string[]; error?: string }>;
  close(): Promise<void>;
};

function pgliteSession(db: PGlite): SqlSession {
  return {
    async query<T>(sql: string, params?: unknown[]) {
      return (await db.query(sql, params)).rows as T[];
    },
    async exec(sql: string) {
      await db.exec(sql);
    },
  };
}

function pgSession(client: pg.Client | pg.PoolClient): SqlSession {
  return {
    async query<T>(sql: string, params?: unknown[]) {
      return (await client.query(sql, params)).rows as T[];
    },
    async exec(sql: string) {
      await client.query(sql);
    },
  };
}

/** Opens (creating and migrating as needed) the database described by `options`. */
export async function openDatabase(options: DatabaseOptions, migrationList: Migration[] = readMigrations()): Promise<Database> {
  if (options.kind === "postgres") return openPostgres(options.url, migrationList);
  return openPglite(options, migrationList);
}

async function openPglite(options: { kind: "pglite"; dataDir: string } | { kind: "pglite-memory" }, migrationList: Migration[]): Promise<Database> {
  let lock: DataDirLock | undefined;
  if (options.kind === "pglite") lock = lockDataDir(options.dataDir);
  let db: PGlite | undefined;
  try {
    db = new PGlite(options.kind === "pglite" ? path.join(options.dataDir, "pgdata") : "memory://");
    await db.waitReady;
    const session = pgliteSession(db);
    const migrations = await migrate(session, migrationList);
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(db) });
    const pglite = db;
    return {
      kind: options.kind,
      prisma,
      migrations,
      async listen(channel, onNotify) {
        const unsubscribe = await pglite.listen(channel, (payload) => onNotify(payload));
        return async () => {
          await unsubscribe();
        };
      },
      async check() {
        try {
          await session.query("SELECT 1");
          return { reachable: true, pending: await pendingMigrations(session, migrationList) };
        } catch (error) {
          return { reachable: false, pending: [], error: (error as Error).message };
        }
      },
      async close() {
        await notifiers.get(prisma)?.drain();
        await prisma.$disconnect();
        await pglite.close();
        lock?.release();
      },
    };
  } catch (error) {
    await db?.close().catch(() => undefined);
    lock?.release();
    throw error;
  }
}

async function openPostgres(url: string, migrationList: Migration[]): Promise<Database> {
  // Migrate on one dedicated connection: the advisory lock is held by that session.
  const migrator = new pg.Client({ connectionString: url });
  await migrator.connect();
  let migrations: MigrationReport;
  try {
    migrations = await migrate(pgSession(migrator), migrationList);
  } finally {
    await migrator.end();
  }
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle connection the server closes (restart, failover) must not crash the process: the pool
  // drops it, and the next query opens a new one (or fails and is reported where it was made).
  pool.on("error", () => undefined);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  // The engine's statements get connections of their own. Each of them reaches a handful of rows
  // by key; with sequential and bitmap scans off, their plans stay index walks when the tables
  // grow faster than autovacuum analyses them (a queue filled in a burst looks empty to the
  // planner, which then hashes whole tables on every step).
  const enginePool = new pg.Pool({ connectionString: url, max: 6, options: ENGINE_SESSION_OPTIONS });
  enginePool.on("error", () => undefined);
  fastRunners.set(prisma, async <T>(name: string, text: string, values: unknown[]) => (await enginePool.query({ name, text, values })).rows as T[]);
  const notifyPool = new pg.Pool({ connectionString: url, max: 1, options: "-c synchronous_commit=off" });
  notifyPool.on("error", () => undefined);
  const notifier = new Notifier(async (pairs) => void (await notifyPool.query({ name: "petrel_notify", text: NOTIFY_SQL, values: [JSON.stringify(pairs)] })), NOTIFY_LINGER_MS);
  notifiers.set(prisma, notifier);
  const listener = sharedListener(url);
  return {
    kind: "postgres",
    prisma,
    migrations,
    listen: listener.listen,
    async check() {
      let client: pg.PoolClient | undefined;
      try {
        client = await pool.connect();
        const session = pgSession(client);
        await session.query("SELECT 1");
        return { reachable: true, pending: await pendingMigrations(session, migrationList) };
      } catch (error) {
        return { reachable: false, pending: [], error: (error as Error).message };
      } finally {
        client?.release();
      }
    },
    async close() {
      await notifier.drain();
      await prisma.$disconnect();
      await pool.end().catch(() => undefined);
      await enginePool.end().catch(() => undefined);
      await notifyPool.end().catch(() => undefined);
      await listener.close();
    },
  };
}

/**
 * LISTEN for a process: ONE long-lived connection (outside the pools) for every channel it
 * listens on. PostgreSQL wakes every listening connection of a database at each NOTIFY in it,
 * whatever its channel, so a connection per channel multiplied that work (a worker listens on
 * two channels, a web process on a third).
 */
function sharedListener(url: string): Pick<Database, "listen"> & { close(): Promise<void> } {
  let client: Promise<pg.Client> | null = null;
  const handlers = new Map<string, Set<(payload: string) => void>>();
  /** Channels LISTENed on (or being), each with its LISTEN statement. */
  const listening = new Map<string, Promise<unknown>>();
  const connect = () =>
    (client ??= (async () => {
      const c = new pg.Client({ connectionString: url });
      c.on("error", () => undefined);
      c.on("notification", (n) => {
        for (const h of handlers.get(n.channel) ?? []) h(n.payload ?? "");
      });
      await c.connect();
      return c;
    })().catch((error: unknown) => {
      client = null;
      throw error;
    }));
  return {
    async listen(channel, onNotify) {
      const c = await connect();
      const handler = (payload: string) => onNotify(payload);
      let set = handlers.get(channel);
      if (!set) handlers.set(channel, (set = new Set()));
      set.add(handler);
      if (!listening.has(channel)) listening.set(channel, c.query(`LISTEN ${pg.escapeIdentifier(channel)}`));
      try {
        await listening.get(channel);
      } catch (error) {
        set.delete(handler);
        listening.delete(channel);
        throw error;
      }
      return async () => {
        const subscribed = handlers.get(channel);
        if (!subscribed?.delete(handler) || subscribed.size) return;
        handlers.delete(channel);
        listening.delete(channel);
        await c.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`).catch(() => undefined);
      };
    },
    async close() {
      const pending = client;
      client = null;
      handlers.clear();
      listening.clear();
      const c = await pending?.catch(() => null);
      await c?.end().catch(() => undefined);
    },
  };
}
