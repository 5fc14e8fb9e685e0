import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { SCHEMA_PATH, diffMigrationsToSchema } from "./schema-engine";

describe("schema.prisma and prisma/migrations", () => {
  it("agree: applying every migration gives exactly the schema (run `npm run db:migration -- NAME` when this fails)", async () => {
    const missing = await diffMigrationsToSchema();
    expect(missing, `schema.prisma has changes that no migration holds:\n${missing}`).toBe("");
  }, 120_000);

  it("the check notices a change the migrations lack", async () => {
    const schema = await readFile(SCHEMA_PATH, "utf8");
    const changed = schema.replace("model Workflow {", "model Workflow {\n  icon String?");
    const missing = await diffMigrationsToSchema(changed);
    expect(missing).toContain(`ALTER TABLE "workflows" ADD COLUMN     "icon" TEXT;`);
  }, 120_000);
});
