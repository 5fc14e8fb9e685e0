/**
 * Starts one Petrel server: database (migrated), first admin, demo seed, Next, tRPC over HTTP and
 * WebSocket, on one port. `stop()` drains it: stop accepting, let in-flight requests finish,
 * close WebSockets and the database.
 */
import http from "node:http";
import type { Duplex } from "node:stream";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { seedDemo } from "../prisma/seed/factories";
import type { Config } from "./config";
import { openDatabase, type Database } from "./db/database";
import { applySecurityHeaders } from "./api/security-headers";
import { createApiHandler } from "./api/http";
import { installNextBridge, stampClientAddress } from "./api/next-bridge";
import type { Logger } from "./observability/logger";
import type { ServiceDeps } from "./services/deps";
import { ensureAdmin, type EnsureAdminResult } from "./services/users/ensure-admin";
import { RunEventHub } from "./engine/live";
import { Worker } from "./engine/worker";
import { builtinPlugins } from "./nodes/builtins";

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export type StartOptions = {
  config: Config;
  log: Logger;
  /** Serve the Next app (false in API-only integration tests). */
  next: boolean;
  /** Development mode for Next (hot reload). */
  dev?: boolean;
  /** Run the worker loop in this process (default: when workerConcurrency > 0). */
  worker?: boolean;
  now?: () => Date;
};

export type PetrelServer = {
  url: string;
  port: number;
  db: Database;
  deps: ServiceDeps;
  admin: EnsureAdminResult;
  seeded: string[];
  worker: Worker | null;
  stop(): Promise<void>;
};

export async function startPetrel(options: StartOptions): Promise<PetrelServer> {
  const { config, log } = options;
  const db = await openDatabase(config.databaseUrl ? { kind: "postgres", url: config.databaseUrl } : { kind: "pglite", dataDir: config.dataDir });
  try {
    if (db.migrations.applied.length) log.info({ applied: db.migrations.applied }, "applied database migrations");
    const live = new RunEventHub();
    await live.start(db.listen);
    const deps: ServiceDeps = { prisma: db.prisma, config, log, now: options.now ?? (() => new Date()), plugins: builtinPlugins({ httpAllow: config.httpAllow }), live };
    const admin = await ensureAdmin(deps);
    const seeded = config.seedDemo ? await seedDemo(deps) : [];
    if (seeded.length) log.info({ seeded }, "seeded demo workflows");

    let worker: Worker | null = null;
    if ((options.worker ?? true) && config.workerConcurrency > 0) {
      worker = new Worker(deps, { concurrency: config.workerConcurrency, listen: db.listen });
      await worker.start();
    }

    const state = { shuttingDown: false };
    const api = createApiHandler(deps, db, state);

    let nextHandler: ((req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>) | undefined;
    let nextUpgrade: ((req: http.IncomingMessage, socket: Duplex, head: Buffer) => Promise<void>) | undefined;
    if (options.next) {
      installNextBridge(deps);
      const { default: next } = await import("next");
      const app = next({ dev: options.dev ?? false, dir: PROJECT_ROOT, hostname: "localhost", port: config.port, quiet: !options.dev });
      await app.prepare();
      nextHandler = app.getRequestHandler();
      nextUpgrade = app.getUpgradeHandler();
    }

    const server = http.createServer({ requestTimeout: 60_000, headersTimeout: 20_000 }, (req, res) => {
      if (state.shuttingDown) res.setHeader("connection", "close");
      applySecurityHeaders(req, res, { page: !(req.url ?? "/").startsWith("/api/"), dev: options.dev ?? false });
      if (api.handle(req, res)) return;
      if (!nextHandler) {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not found" }));
        return;
      }
      stampClientAddress(req);
      nextHandler(req, res).catch((error: unknown) => {
        log.error({ err: error, url: req.url }, "page rendering failed");
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end("Petrel could not render this page. The problem was logged.");
      });
    });
    server.on("upgrade", (req, socket, head) => {
      if (api.upgrade(req, socket, head)) return;
      if (nextUpgrade) void nextUpgrade(req, socket, head);
      else socket.destroy();
    });

    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, () => resolve());
    });
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    const url = `http://localhost:${port}`;

    let stopping: Promise<void> | undefined;
    const stop = () =>
      (stopping ??= (async () => {
        state.shuttingDown = true;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Idle keep-alive connections close now; busy ones after their response (Connection: close).
        server.closeIdleConnections();
        const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
        // Stop claiming at once; running tasks finish (or give their leases back) while requests drain.
        const workerStopped = worker?.stop(Math.max(1000, config.shutdownTimeoutMs - 1000));
        await api.closeWebSockets();
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          closed.then(() => false),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), config.shutdownTimeoutMs))),
        ]);
        clearTimeout(timer);
        clearInterval(idleSweep);
        if (timedOut) {
          log.warn("requests still open after the shutdown timeout; closing their connections");
          server.closeAllConnections();
        }
        await workerStopped;
        await live.stop();
        await db.close();
      })());

    return { url, port, db, deps, admin, seeded, worker, stop };
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}
