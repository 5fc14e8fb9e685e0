/** `npm run db:migration -- NAME`: writes prisma/migrations/<timestamp>_<name>/migration.sql. */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { MIGRATIONS_DIR, diffMigrationsToSchema } from "./schema-engine";

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: npm run db:migration -- NAME   (NAME: lower-case letters, digits and underscores)");
  process.exit(2);
}
const sql = await diffMigrationsToSchema();
if (!sql) {
  console.error("schema.prisma and prisma/migrations agree: no migration written.");
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
const dir = path.join(MIGRATIONS_DIR, `${stamp}_${name}`);
await mkdir(dir, { recursive: true });
await writeFile(path.join(dir, "migration.sql"), `${sql}\n`);
await writeFile(path.join(MIGRATIONS_DIR, "migration_lock.toml"), 'provider = "postgresql"\n');
console.error(`wrote ${path.relative(process.cwd(), dir)}/migration.sql`);
