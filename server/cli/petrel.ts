/**
 * `npm run petrel -- COMMAND`: Petrel's command line. Works on the same database as the server
 * (PETREL_DATA_DIR or DATABASE_URL); on the embedded database the server must be stopped, since
 * only one process may hold its data folder.
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { isAppError } from "../../lib/errors";
import { ROLES, isRole } from "../../lib/policy";
import { seedDemo } from "../../prisma/seed/factories";
import { loadConfigOrExit } from "../config";
import { openDatabase } from "../db/database";
import { readMigrations } from "../db/migrate";
import { replayRun } from "../engine/engine";
import { createLogger } from "../observability/logger";
import { SYSTEM, systemMeta, type ServiceDeps } from "../services/deps";
import { createUser, CreateUserInputSchema } from "../services/users/create-user";
import { runConvert } from "./convert";
import { runVerify } from "./verify";
import { builtinPlugins } from "../nodes/builtins";

const HELP = `Usage: npm run petrel -- <command> [options]

Commands:
  migrate                      apply pending database migrations and report them
  status                       list migrations and whether each is applied
  verify [--json] [--max-states N] FILE...
                               verify workflows (.json), Petri nets (.pnml), BPMN (.bpmn);
                               exit 0 all sound, 1 any not sound, 2 bad input
  convert --to pnml|json FILE  write a workflow (.json) or BPMN model (.bpmn) as PNML or workflow JSON
  seed                         add the demo workflows that are missing
  replay RUN_ID... | --all     fold each run's history and compare it with its stored state
  user:add --email E --name N --role R [--password P]
                               create a person (role: ${ROLES.join(", ")}); prints a generated
                               password when none is given
  help                         this text
`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "help" || command === "--help") {
    process.stdout.write(HELP);
    return command ? 0 : 2;
  }
  if (command === "convert") return runConvert(rest, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
  if (command === "verify") {
    // Needs no database.
    return runVerify(rest, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
  }
  if (!["migrate", "status", "seed", "user:add", "replay"].includes(command)) throw new UsageError(`unknown command "${command}"`);

  const config = loadConfigOrExit();
  const log = createLogger(config.logLevel === "info" ? "warn" : config.logLevel);
  const db = await openDatabase(config.databaseUrl ? { kind: "postgres", url: config.databaseUrl } : { kind: "pglite", dataDir: config.dataDir });
  const deps: ServiceDeps = { prisma: db.prisma, config, log, now: () => new Date(), plugins: builtinPlugins({ httpAllow: config.httpAllow }) };
  try {
    switch (command) {
      case "migrate": {
        const applied = db.migrations.applied;
        process.stdout.write(applied.length ? `applied: ${applied.join(", ")}\n` : "the database is up to date\n");
        return 0;
      }
      case "status": {
        const { pending } = await db.check();
        for (const m of readMigrations()) process.stdout.write(`${pending.includes(m.name) ? "pending" : "applied"}  ${m.name}\n`);
        return 0;
      }
      case "replay": {
        const runIds = rest.filter((a) => !a.startsWith("--"));
        if (!runIds.length && !rest.includes("--all")) throw new UsageError("replay needs one or more run ids (or --all)");
        const ids = rest.includes("--all") ? (await db.prisma.run.findMany({ select: { id: true } })).map((r) => r.id) : runIds;
        let bad = 0;
        for (const id of ids) {
          const r = await replayRun(db.prisma, id);
          if (r.ok) process.stdout.write(`${id}: history (${r.events} events) folds to the stored state\n`);
          else {
            bad++;
            process.stdout.write(`${id}: MISMATCH\n${r.differences.map((d) => `  - ${d}`).join("\n")}\n`);
          }
        }
        return bad ? 1 : 0;
      }
      case "seed": {
        const created = await seedDemo(deps);
        process.stdout.write(created.length ? `created: ${created.join(", ")}\n` : "the demo workflows are all there\n");
        return 0;
      }
      case "user:add": {
        const { values } = parseArgs({
          args: rest,
          options: { email: { type: "string" }, name: { type: "string" }, role: { type: "string" }, password: { type: "string" } },
          strict: true,
        });
        if (!values.email || !values.role) throw new UsageError("user:add needs --email and --role");
        if (!isRole(values.role)) throw new UsageError(`--role must be one of ${ROLES.join(", ")} (got "${values.role}")`);
        const password = values.password ?? randomBytes(15).toString("base64url");
        const input = CreateUserInputSchema.safeParse({ email: values.email, name: values.name ?? values.email, role: values.role, password });
        if (!input.success) throw new UsageError(input.error.issues.map((i) => `--${i.path.join(".")} ${i.message}`).join("; "));
        const user = await createUser(deps, SYSTEM, systemMeta("cli"), input.data);
        process.stdout.write(`created ${user.email} (${user.role})${values.password ? "" : ` with the password ${password}`}\n`);
        return 0;
      }
    }
    return 2;
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  // exitCode, not exit(): let standard output drain into a pipe first.
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`petrel: ${error.message}\n\n${HELP}`);
      process.exit(2);
    }
    if (isAppError(error)) {
      process.stderr.write(`petrel: ${error.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`petrel: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
