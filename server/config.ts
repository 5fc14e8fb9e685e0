/**
 * Petrel's configuration: every environment variable the server reads, parsed once with zod.
 * A bad value stops the process with exit code 2 and a message naming the variable.
 */
import path from "node:path";
import { z } from "zod";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));

const databaseUrl = optionalString.pipe(
  z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      if (value === undefined) return;
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        ctx.addIssue({ code: "custom", message: "is not a URL; expected postgres://user@host:port/database" });
        return;
      }
      if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
        ctx.addIssue({ code: "custom", message: `has scheme "${url.protocol.replace(/:$/, "")}"; expected postgres:// or postgresql://` });
      } else if (!url.hostname) {
        ctx.addIssue({ code: "custom", message: "names no host; expected postgres://user@host:port/database" });
      } else if (url.pathname.replace(/^\//, "") === "") {
        ctx.addIssue({ code: "custom", message: "names no database; expected postgres://user@host:port/database" });
      }
    }),
);

export const EnvSchema = z.object({
  NODE_ENV: z.enum(["production", "development", "test"]).default("production"),
  PORT: z.coerce
    .number({ error: "must be a whole number between 1 and 65535" })
    .int("must be a whole number between 1 and 65535")
    .min(1, "must be between 1 and 65535")
    .max(65535, "must be between 1 and 65535")
    .default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATABASE_URL: databaseUrl,
  PETREL_DATA_DIR: z.string().min(1).default(".petrel/data"),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info"),
  PETREL_ADMIN_EMAIL: optionalString.pipe(z.email("must be an email address").optional()),
  PETREL_ADMIN_PASSWORD: optionalString.pipe(z.string().min(12, "must be at least 12 characters").optional()),
  PETREL_SESSION_TTL_HOURS: z.coerce
    .number({ error: "must be a number of hours" })
    .positive("must be a positive number of hours")
    .max(24 * 90, "must be at most 2160 (90 days)")
    .default(12),
  PETREL_SEED_DEMO: z
    .enum(["true", "false", "1", "0"], { error: "must be true or false" })
    .default("true")
    .transform((v) => v === "true" || v === "1"),
  PETREL_SECURE_COOKIES: z
    .enum(["auto", "true", "false"], { error: "must be auto, true or false" })
    .default("auto"),
  PETREL_SIGNIN_MAX_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  PETREL_SIGNIN_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).max(10000).default(30),
  PETREL_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(60000).default(8000),
  /** 32 bytes, base64 or hex: the key of the secrets store. Without it a key file is made in the data folder. */
  PETREL_SECRET_KEY: optionalString.pipe(
    z
      .string()
      .refine((v) => /^[0-9a-f]{64}$/i.test(v) || Buffer.from(v, "base64").length === 32, "must be 32 bytes, as 64 hex digits or base64")
      .optional(),
  ),
  /** Hosts, addresses and CIDR ranges the HTTP step may call although they are private, loopback or link-local. */
  PETREL_HTTP_ALLOW: z.string().default(""),
  PETREL_WORKER_CONCURRENCY: z.coerce.number({ error: "must be a whole number" }).int("must be a whole number").min(0, "must be 0 (no worker) or more").max(256, "must be at most 256").default(8),
});

export type Env = z.infer<typeof EnvSchema>;

export type Config = {
  nodeEnv: Env["NODE_ENV"];
  port: number;
  host: string;
  /** postgres:// URL in cluster mode; undefined selects the embedded PGlite database. */
  databaseUrl: string | undefined;
  /** Absolute path of the data folder (embedded database, lock file, later the key file). */
  dataDir: string;
  logLevel: Env["LOG_LEVEL"];
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  sessionTtlMs: number;
  seedDemo: boolean;
  secureCookies: "auto" | "true" | "false";
  signIn: { maxFailuresPerAccount: number; maxFailuresPerAddress: number; windowMs: number };
  shutdownTimeoutMs: number;
  /** Tasks the in-process worker runs at once; 0 runs no worker in this process. */
  workerConcurrency: number;
  /** The secrets key (32 bytes) when given in the environment. */
  secretKey: Buffer | undefined;
  /** Private addresses the HTTP step may call anyway (hosts, IPs, CIDRs). */
  httpAllow: string[];
};

/** Thrown by {@link parseConfig}; `problems` name each variable and what is wrong with it. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Parses an environment (default: process.env). Pure apart from resolving the data folder path. */
export function parseConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? "environment");
        const shown = env[name] === undefined ? "" : ` (got ${JSON.stringify(env[name])})`;
        return `${name} ${issue.message.replace(/^Invalid input: /, "")}${shown}`;
      }),
    );
  }
  const e = parsed.data;
  return {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.PETREL_DATA_DIR),
    logLevel: e.LOG_LEVEL,
    adminEmail: e.PETREL_ADMIN_EMAIL?.toLowerCase(),
    adminPassword: e.PETREL_ADMIN_PASSWORD,
    sessionTtlMs: e.PETREL_SESSION_TTL_HOURS * 3600_000,
    seedDemo: e.PETREL_SEED_DEMO,
    secureCookies: e.PETREL_SECURE_COOKIES,
    signIn: {
      maxFailuresPerAccount: e.PETREL_SIGNIN_MAX_FAILURES,
      maxFailuresPerAddress: e.PETREL_SIGNIN_MAX_FAILURES_PER_ADDRESS,
      windowMs: 60_000,
    },
    shutdownTimeoutMs: e.PETREL_SHUTDOWN_TIMEOUT_MS,
    workerConcurrency: e.PETREL_WORKER_CONCURRENCY,
    secretKey: e.PETREL_SECRET_KEY ? (/^[0-9a-f]{64}$/i.test(e.PETREL_SECRET_KEY) ? Buffer.from(e.PETREL_SECRET_KEY, "hex") : Buffer.from(e.PETREL_SECRET_KEY, "base64")) : undefined,
    httpAllow: e.PETREL_HTTP_ALLOW.split(",").map((h) => h.trim().toLowerCase()).filter(Boolean),
  };
}

/** For entry points: parse, or print the problems and exit with code 2. */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`petrel: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}
