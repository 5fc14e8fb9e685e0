/**
 * Last step of `npm test`: adds up the vitest and Playwright JSON reports and prints one line,
 * "N passed, N failed, N skipped", so the whole run's count is visible at the end.
 */
import { readFileSync } from "node:fs";

type VitestReport = { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number };
type PlaywrightReport = { stats: { expected: number; unexpected: number; flaky: number; skipped: number } };

const vitest = JSON.parse(readFileSync("test-results/vitest.json", "utf8")) as VitestReport;
const playwright = JSON.parse(readFileSync("test-results/playwright.json", "utf8")) as PlaywrightReport;

const passed = vitest.numPassedTests + playwright.stats.expected + playwright.stats.flaky;
const failed = vitest.numFailedTests + playwright.stats.unexpected;
const skipped = vitest.numPendingTests + vitest.numTodoTests + playwright.stats.skipped;
process.stdout.write(`\nvitest: ${vitest.numPassedTests} passed (unit, integration on PGlite and PostgreSQL, process); playwright (Chromium): ${playwright.stats.expected} passed\n`);
process.stdout.write(`${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
