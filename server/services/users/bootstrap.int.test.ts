import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "../../../prisma/seed/factories";
import { DEMO_WORKFLOWS } from "../../../prisma/seed/demo-workflows";
import { openDatabase, type Database } from "../../db/database";
import { createLogger } from "../../observability/logger";
import { createPostgresDatabase, testConfig, LOOPBACK } from "../../testing/databases";
import type { ServiceDeps } from "../deps";
import { ensureAdmin } from "./ensure-admin";
import { builtinPlugins } from "../../nodes/builtins";

describe("first start of several processes on one PostgreSQL database", () => {
  let url: string;
  let drop: () => Promise<void>;
  const handles: Database[] = [];
  beforeAll(async () => {
    ({ url, drop } = await createPostgresDatabase());
  });
  afterAll(async () => {
    await Promise.all(handles.map((h) => h.close()));
    await drop();
  });

  it("creates exactly one admin and seeds each demo workflow once", async () => {
    const config = testConfig({ DATABASE_URL: url, PETREL_ADMIN_EMAIL: "first@example.com", PETREL_ADMIN_PASSWORD: "first-password-1234" });
    const depsList: ServiceDeps[] = [];
    for (let i = 0; i < 4; i++) {
      const db = await openDatabase({ kind: "postgres", url });
      handles.push(db);
      depsList.push({ prisma: db.prisma, config, log: createLogger("silent"), now: () => new Date(), plugins: builtinPlugins({ httpAllow: LOOPBACK }) });
    }
    const results = await Promise.all(depsList.map(async (deps) => ({ admin: await ensureAdmin(deps), seeded: await seedDemo(deps) })));
    expect(results.filter((r) => r.admin.created)).toHaveLength(1);
    expect(results.flatMap((r) => r.seeded).sort()).toEqual(DEMO_WORKFLOWS.map((w) => w.slug).sort());
    const prisma = depsList[0]!.prisma;
    expect(await prisma.user.count({ where: { role: "admin" } })).toBe(1);
    expect(await prisma.workflow.count()).toBe(DEMO_WORKFLOWS.length);
    expect(await prisma.auditLog.count({ where: { action: "workflow.create", actorType: "system" } })).toBe(DEMO_WORKFLOWS.length);
    // Idempotent: a later start adds nothing.
    expect(await seedDemo(depsList[1]!)).toEqual([]);
    expect((await ensureAdmin(depsList[2]!)).created).toBe(false);
  });
});
