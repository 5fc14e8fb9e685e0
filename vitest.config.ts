import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Integration tests share one machine's PostgreSQL; each file makes its own databases.
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["lib/**/*.test.ts", "server/**/*.test.ts", "components/**/*.test.ts", "prisma/**/*.test.ts"], exclude: ["**/*.int.test.ts", "**/*.process.test.ts", "**/node_modules/**"] },
      },
      { extends: true, test: { name: "integration", include: ["**/*.int.test.ts"], exclude: ["**/node_modules/**"] } },
      { extends: true, test: { name: "process", include: ["**/*.process.test.ts"], exclude: ["**/node_modules/**"], fileParallelism: false } },
    ],
  },
});
