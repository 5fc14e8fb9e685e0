/** The process logger (pino, JSON lines). Secrets are redacted by path. */
import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "petrel" },
    redact: { paths: ["password", "*.password", "passwordHash", "*.passwordHash", "token", "*.token", "req.headers.cookie"], censor: "[redacted]" },
  });
}
