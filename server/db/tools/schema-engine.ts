/**
 * Prisma's schema engine, compiled to WebAssembly (`@prisma/schema-engine-wasm`), driven
 * against an in-memory PGlite shadow database. This is how Petrel generates migration SQL and
 * checks drift on machines where the native schema engine cannot be downloaded.
 * Development tooling only: the running server applies migrations with server/db/migrate.ts.
 */
import { readFile, readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import { PrismaPGlite } from "pglite-prisma-adapter";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import * as bg from "@prisma/schema-engine-wasm/schema_engine_bg";

export const SCHEMA_PATH = path.resolve("prisma/schema.prisma");
export const MIGRATIONS_DIR = path.resolve("prisma/migrations");

let wasmReady: Promise<void> | undefined;

/** Instantiates the engine's WebAssembly module once (Node cannot `import` .wasm files). */
function loadWasm(): Promise<void> {
  wasmReady ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasmPath = path.join(path.dirname(require.resolve("@prisma/schema-engine-wasm/schema_engine_bg")), "schema_engine_bg.wasm");
    const { instance } = await WebAssembly.instantiate(await readFile(wasmPath), {
      "./schema_engine_bg.js": bg as unknown as WebAssembly.ModuleImports,
    });
    bg.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
  })();
  return wasmReady;
}

/** Reads prisma/migrations as the engine's MigrationList (directory names passed bare). */
export async function readMigrationList(dir = MIGRATIONS_DIR): Promise<bg.MigrationList> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const migrationDirectories: bg.MigrationDirectory[] = [];
  for (const name of names) {
    const content = await readFile(path.join(dir, name, "migration.sql"), "utf8");
    migrationDirectories.push({ path: name, migrationFile: { path: "migration.sql", content: { tag: "ok", value: content } as never } });
  }
  const lockPath = path.join(dir, "migration_lock.toml");
  const lock = await readFile(lockPath, "utf8").catch(() => null);
  return {
    baseDir: dir,
    lockfile: { path: "migration_lock.toml", content: lock },
    shadowDbInitScript: "",
    migrationDirectories,
  };
}

/**
 * SQL that takes a database from the state of the migrations folder to the state of
 * schema.prisma; empty when they agree.
 */
export async function diffMigrationsToSchema(schemaText?: string): Promise<string> {
  await loadWasm();
  const schema = schemaText ?? (await readFile(SCHEMA_PATH, "utf8"));
  const shadow = new PGlite("memory://");
  try {
    const factory = new PrismaPGlite(shadow) as unknown as SqlMigrationAwareDriverAdapterFactory;
    const adapter = bindMigrationAwareSqlAdapterFactory(factory);
    const logs: string[] = [];
    const migrations = await readMigrationList();
    const engine = await bg.SchemaEngine.new({ datamodels: [[SCHEMA_PATH, schema]] }, (line: string) => logs.push(line), adapter);
    try {
      const result = await engine.diff({
        from: migrations.migrationDirectories.length ? { tag: "migrations", ...migrations } : { tag: "empty" },
        to: { tag: "schemaDatamodel", files: [{ path: SCHEMA_PATH, content: schema }] },
        script: true,
        exitCode: true,
        filters: { externalTables: [], externalEnums: [] },
      });
      const sql = (result.stdout ?? "").trim();
      return sql === "-- This is an empty migration." ? "" : sql;
    } finally {
      engine.free();
    }
  } finally {
    await shadow.close();
  }
}
