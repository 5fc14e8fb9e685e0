// Prisma CLI configuration. The CLI is used here only for `prisma generate`; migrations are
// generated and applied by server/db (see notes in ARCHITECTURE.md), so no URL is needed.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
