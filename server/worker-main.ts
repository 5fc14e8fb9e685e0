/**
 * `npm run worker`: a worker-only process for PostgreSQL mode. Claims and runs tasks; any number
 * may run beside any number of web processes. SIGTERM/SIGINT: stop claiming, let running tasks
 * finish (or give their leases back), exit 0.
 */
import { loadConfigOrExit } from "./config";
import { openDatabase } from "./db/database";
import { Worker } from "./engine/worker";
import { builtinPlugins } from "./nodes/builtins";
import { createLogger } from "./observability/logger";

const config = loadConfigOrExit();
const log = createLogger(config.logLevel);
if (!config.databaseUrl) {
  process.stderr.write("petrel worker: a separate worker process needs DATABASE_URL (PostgreSQL); the embedded database runs its worker inside `npm start`.\n");
  process.exit(2);
}
const db = await openDatabase({ kind: "postgres", url: config.databaseUrl });
const worker = new Worker({ prisma: db.prisma, config, log, now: () => new Date(), plugins: builtinPlugins({ httpAllow: config.httpAllow }) }, { concurrency: Math.max(1, config.workerConcurrency), listen: db.listen });
// The signal handlers go in before the worker starts and before it says it runs: whoever waits for
// "is running" may send SIGTERM at once, and must never find the default handler (death by signal).
let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "worker stopping");
    void worker
      .stop(Math.max(1000, config.shutdownTimeoutMs - 1000))
      .then(() => db.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ err: error }, "worker shutdown failed");
          process.exit(1);
        },
      );
  });
}

await worker.start();
process.stdout.write(`petrel worker ${worker.id} is running (concurrency ${Math.max(1, config.workerConcurrency)})\n`);
