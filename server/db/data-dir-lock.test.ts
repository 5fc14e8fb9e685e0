import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { lockDataDir } from "./data-dir-lock";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), "petrel-lock-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("data folder lock", () => {
  it("creates the folder (and parents) and writes our pid", () => {
    const dir = path.join(tempDir(), "a", "b");
    const lock = lockDataDir(dir);
    expect(readFileSync(lock.path, "utf8").trim()).toBe(String(process.pid));
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
  });

  it("refuses a second holder in this process", () => {
    const dir = tempDir();
    const lock = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(`The data folder ${dir} is in use by another Petrel process (pid ${process.pid})`);
    lock.release();
    lockDataDir(dir).release();
  });

  it("refuses while another live process holds it, naming its pid", async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" });
    try {
      writeFileSync(path.join(dir, "petrel.lock"), `${child.pid}\n`);
      expect(() => lockDataDir(dir)).toThrow(`(pid ${child.pid})`);
    } finally {
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
    }
    // The holder is gone now: its lock is stale and taken over.
    const lock = lockDataDir(dir);
    expect(readFileSync(lock.path, "utf8").trim()).toBe(String(process.pid));
    lock.release();
  });

  it("takes over a lock file left with our own pid by an earlier process (pid reuse)", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "petrel.lock"), `${process.pid}\n`);
    lockDataDir(dir).release();
  });

  it("takes over a garbage lock file", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "petrel.lock"), "not a pid");
    lockDataDir(dir).release();
  });
});
