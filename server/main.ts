/**
 * The Petrel server process: `npm start` (production) and `npm run dev` (PETREL_DEV=1).
 * Exit codes: 0 after a clean shutdown, 2 for bad configuration, 1 when it cannot start.
 */
import { isAppError } from "../lib/errors";
import { loadConfigOrExit } from "./config";
import { createLogger } from "./observability/logger";
import { startPetrel } from "./server";

const config = loadConfigOrExit();
const log = createLogger(config.logLevel);
const dev = process.env.PETREL_DEV === "1";

let petrel: Awaited<ReturnType<typeof startPetrel>>;
try {
  petrel = await startPetrel({ config, log, next: true, dev });
} catch (error) {
  if (isAppError(error)) {
    process.stderr.write(`petrel: ${error.message}\n`);
  } else {
    process.stderr.write(`petrel: could not start: ${(error as Error).stack ?? String(error)}\n`);
  }
  process.exit(1);
}

const banner = [
  "",
  `  Petrel is running at ${petrel.url}`,
  `  Database: ${config.databaseUrl ? "PostgreSQL (DATABASE_URL)" : `embedded, in ${config.dataDir}`}`,
];
if (petrel.admin.created) {
  banner.push(`  Sign in as ${petrel.admin.email}`);
  if (petrel.admin.generated) banner.push(`  with the generated password: ${petrel.admin.password}   (shown once; change it after signing in)`);
  else banner.push("  with the password from PETREL_ADMIN_PASSWORD");
} else {
  banner.push("  Sign in with your account (the first admin was created on the first start).");
}
process.stdout.write(`${banner.join("\n")}\n\n`);

let signals = 0;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (++signals > 1) return; // a second Ctrl+C while draining changes nothing
    log.info({ signal }, "shutting down");
    petrel.stop().then(
      () => {
        log.info("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  });
}
