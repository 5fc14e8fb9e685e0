/** `npm run db:drift`: exit 1 and print the missing SQL when schema.prisma and the migrations disagree. */
import { diffMigrationsToSchema } from "./schema-engine";

const sql = await diffMigrationsToSchema();
if (sql) {
  console.error("schema.prisma has changes that no migration holds. Run `npm run db:migration -- NAME`. Missing SQL:\n");
  console.error(sql);
  process.exit(1);
}
console.error("schema.prisma and prisma/migrations agree.");
