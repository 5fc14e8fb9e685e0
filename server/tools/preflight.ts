/**
 * Runs before `npm test`: the tests need PostgreSQL and Chromium, and say exactly how to get
 * them when they are missing rather than skipping anything. On Debian as root it installs
 * Chromium itself.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import pg from "pg";
import { chromiumPath } from "../../e2e/chromium";

const problems: string[] = [];

const url = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
try {
  await client.connect();
  await client.query("SELECT 1");
} catch (error) {
  problems.push(
    `PostgreSQL is not reachable at ${url} (${(error as Error).message}).\n` +
      `    Start it:  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n` +
      `    or point TEST_DATABASE_URL at a PostgreSQL 15+ server where the user may create databases.`,
  );
} finally {
  await client.end().catch(() => undefined);
}

let chromium = chromiumPath();
if (!chromium && process.getuid?.() === 0 && existsSync("/usr/bin/apt-get")) {
  process.stderr.write("preflight: Chromium is missing; installing it with apt (Debian's chromium package)…\n");
  const update = spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
  const install = update.status === 0 ? spawnSync("apt-get", ["install", "-y", "-qq", "chromium"], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } }) : update;
  if (install.status === 0) chromium = chromiumPath();
}
if (!chromium) {
  problems.push(
    "Chromium was not found (looked at $CHROMIUM_PATH, /usr/bin/chromium, /usr/bin/chromium-browser).\n" +
      "    Install it:  sudo apt-get update && sudo apt-get install -y chromium\n" +
      "    or set CHROMIUM_PATH to a Chromium or Chrome binary.",
  );
}

if (problems.length) {
  process.stderr.write(`\npreflight: the tests cannot run:\n\n  - ${problems.join("\n\n  - ")}\n\n`);
  process.exit(1);
}
process.stderr.write(`preflight: PostgreSQL at ${url} and Chromium at ${chromium} are ready.\n`);
