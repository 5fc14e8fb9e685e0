/**
 * An exclusive lock on the embedded database's data folder. PGlite is single-process: two
 * processes on one folder lose writes, so the second one is refused with the holder's pid.
 * The lock is a file created with O_EXCL holding the pid; a lock whose pid is gone is stale
 * and taken over.
 */
import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from "node:fs";
import path from "node:path";
import { AppError } from "../../lib/errors";

export type DataDirLock = { path: string; release(): void };

/** Locks this process holds. A lock file with our own pid that is not in here is stale (pid reuse, e.g. pid 1 in containers). */
const held = new Set<string>();

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the lock of `dataDir` (creating the folder) or throws UNAVAILABLE naming the holder. */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, "petrel.lock");
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockPath, "wx", 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      held.add(lockPath);
      let released = false;
      return {
        path: lockPath,
        release() {
          if (released) return;
          released = true;
          held.delete(lockPath);
          try {
            if (readFileSync(lockPath, "utf8").trim() === String(process.pid)) rmSync(lockPath);
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number.parseInt(readFileSync(lockPath, "utf8").trim(), 10);
      const ours = holder === process.pid;
      if (Number.isInteger(holder) && holder > 0 && ((ours && held.has(lockPath)) || (!ours && pidAlive(holder)))) {
        throw new AppError("UNAVAILABLE", {
          message:
            `The data folder ${dataDir} is in use by another Petrel process (pid ${holder}). ` +
            `Stop that process, or set PETREL_DATA_DIR to another folder, or use DATABASE_URL for several processes.`,
          details: { pid: holder, lockPath },
        });
      }
      // Stale lock (its process is gone, or the file is garbage): remove it and try again.
      rmSync(lockPath, { force: true });
    }
  }
  throw new AppError("UNAVAILABLE", { message: `Could not take the lock ${lockPath}.` });
}
