import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "./config";

function problems(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("configuration", () => {
  it("has working defaults: port 3000, embedded database in ./.petrel/data", () => {
    const c = parseConfig({});
    expect(c.port).toBe(3000);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.dataDir.endsWith("/.petrel/data")).toBe(true);
    expect(c.logLevel).toBe("info");
    expect(c.sessionTtlMs).toBe(12 * 3600_000);
  });

  it("switches to PostgreSQL with DATABASE_URL and lower-cases the admin email", () => {
    const c = parseConfig({ DATABASE_URL: "postgres://u@db:5432/petrel", PETREL_ADMIN_EMAIL: "Boss@Example.com" });
    expect(c.databaseUrl).toBe("postgres://u@db:5432/petrel");
    expect(c.adminEmail).toBe("boss@example.com");
  });

  it.each([
    [{ DATABASE_URL: "not a url" }, 'DATABASE_URL is not a URL; expected postgres://user@host:port/database (got "not a url")'],
    [{ DATABASE_URL: "mysql://u@h/db" }, 'DATABASE_URL has scheme "mysql"; expected postgres:// or postgresql:// (got "mysql://u@h/db")'],
    [{ DATABASE_URL: "postgres://u@h:5432/" }, 'DATABASE_URL names no database; expected postgres://user@host:port/database (got "postgres://u@h:5432/")'],
    [{ PORT: "70000" }, 'PORT must be between 1 and 65535 (got "70000")'],
    [{ PORT: "0" }, 'PORT must be between 1 and 65535 (got "0")'],
    [{ PORT: "http" }, 'PORT must be a whole number between 1 and 65535 (got "http")'],
    [{ LOG_LEVEL: "loud" }, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")'],
    [{ PETREL_ADMIN_PASSWORD: "short" }, 'PETREL_ADMIN_PASSWORD must be at least 12 characters (got "short")'],
  ])("refuses %o", (env, message) => {
    expect(problems(env)).toEqual([message]);
  });

  it("reports every bad variable at once", () => {
    expect(problems({ PORT: "-1", LOG_LEVEL: "x" }).map((p) => p.split(" ")[0])).toEqual(["PORT", "LOG_LEVEL"]);
  });

  it("treats empty optional variables as unset", () => {
    expect(parseConfig({ DATABASE_URL: "", PETREL_ADMIN_EMAIL: " " }).databaseUrl).toBeUndefined();
  });
});
