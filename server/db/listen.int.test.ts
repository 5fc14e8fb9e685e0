import pg from "pg";
import { describe, expect, it } from "vitest";
import { createPostgresDatabase } from "../testing/databases";
import { openDatabase } from "./database";

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!ok()) throw new Error(`timed out waiting for ${what}`);
}

describe("LISTEN on PostgreSQL", () => {
  it("takes one connection for every channel a process listens on, and gives each notification to its channel's subscribers only", async () => {
    const created = await createPostgresDatabase();
    const db = await openDatabase({ kind: "postgres", url: created.url });
    const admin = new pg.Client({ connectionString: created.url });
    await admin.connect();
    try {
      const got: string[] = [];
      const offA1 = await db.listen("petrel_test_a", (p) => got.push(`a1:${p}`));
      const offA2 = await db.listen("petrel_test_a", (p) => got.push(`a2:${p}`));
      const offB = await db.listen("petrel_test_b", (p) => got.push(`b:${p}`));
      // Each listening connection is woken by every NOTIFY in the database: one for all channels.
      const listening = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'`);
      expect(listening.rows[0]!.n).toBe(1);

      await admin.query(`SELECT pg_notify('petrel_test_a', 'x'), pg_notify('petrel_test_b', 'y'), pg_notify('petrel_test_c', 'nobody')`);
      await until("three deliveries", () => got.length >= 3);
      expect(got.sort()).toEqual(["a1:x", "a2:x", "b:y"]);

      // Unsubscribing one subscriber leaves the others on the channel.
      await offA1();
      got.length = 0;
      await admin.query(`SELECT pg_notify('petrel_test_a', 'z')`);
      await until("one delivery", () => got.length >= 1);
      expect(got).toEqual(["a2:z"]);

      // The last one leaving a channel stops it; the other channel goes on.
      await offA2();
      got.length = 0;
      await admin.query(`SELECT pg_notify('petrel_test_a', 'gone'), pg_notify('petrel_test_b', 'still')`);
      await until("the b delivery", () => got.length >= 1);
      await new Promise((r) => setTimeout(r, 100));
      expect(got).toEqual(["b:still"]);

      // Listening again after leaving works.
      await offB();
      const again: string[] = [];
      const offAgain = await db.listen("petrel_test_a", (p) => again.push(p));
      await admin.query(`SELECT pg_notify('petrel_test_a', 'back')`);
      await until("the delivery after listening again", () => again.length >= 1);
      expect(again).toEqual(["back"]);
      await offAgain();
    } finally {
      await admin.end();
      await db.close();
      await created.drop();
    }
  });
});
