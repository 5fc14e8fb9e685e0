import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { defineConfig } from "@playwright/test";
import { CHROMIUM_ARGS, chromiumPath } from "./e2e/chromium";

// One fresh data folder per run. Workers re-read this file, so the main process picks the
// folder once and hands it down through the environment.
if (!process.env.PETREL_E2E_DATA_DIR) process.env.PETREL_E2E_DATA_DIR = mkdtempSync(path.join(os.tmpdir(), "petrel-e2e-"));
const PORT = Number(process.env.PETREL_E2E_PORT ?? 3210);
export const E2E_ADMIN = { email: "admin@e2e.petrel.test", password: "e2e-admin-password" };

const executablePath = chromiumPath();
if (!executablePath) throw new Error("Chromium not found: sudo apt-get update && sudo apt-get install -y chromium (or set CHROMIUM_PATH).");

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results/playwright-artifacts",
  fullyParallel: false,
  workers: 1,
  forbidOnly: true,
  retries: 0,
  reporter: [["list"], ["json", { outputFile: "test-results/playwright.json" }]],
  timeout: 30_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL: `http://localhost:${PORT}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: { executablePath, args: CHROMIUM_ARGS },
  },
  projects: [
    { name: "setup", testMatch: /.*\.setup\.ts/ },
    { name: "chromium", testMatch: /.*\.spec\.ts/, dependencies: ["setup"], use: { browserName: "chromium" } },
  ],
  webServer: {
    command: "node --import tsx server/main.ts",
    url: `http://localhost:${PORT}/api/ready`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      PORT: String(PORT),
      PETREL_DATA_DIR: process.env.PETREL_E2E_DATA_DIR,
      PETREL_ADMIN_EMAIL: E2E_ADMIN.email,
      PETREL_ADMIN_PASSWORD: E2E_ADMIN.password,
      LOG_LEVEL: "warn",
    },
  },
});
