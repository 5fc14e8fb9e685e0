/** Test and bench support: a real Petrel HTTP server (API only, no Next) on a free loopback port. */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createLogger } from "../observability/logger";
import { startPetrel, type PetrelServer } from "../server";
import { createPostgresDatabase, testConfig, type DatabaseKind } from "./databases";

export type TestServer = PetrelServer & { close(): Promise<void> };

/** Starts a server on a fresh database of `kind` (a temp data folder, or a new PostgreSQL database). */
export async function startApiServer(kind: DatabaseKind, env: Record<string, string> = {}): Promise<TestServer> {
  const full: Record<string, string> = { HOST: "127.0.0.1", ...env };
  let drop = async () => {};
  let dataDir: string | undefined;
  if (kind === "postgresql") {
    const created = await createPostgresDatabase();
    full.DATABASE_URL = created.url;
    drop = created.drop;
  } else {
    dataDir = mkdtempSync(path.join(os.tmpdir(), "petrel-api-"));
    full.PETREL_DATA_DIR = dataDir;
  }
  const server = await startPetrel({ config: { ...testConfig(full), port: 0 }, log: createLogger("silent"), next: false });
  return {
    ...server,
    async close() {
      await server.stop();
      await drop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
