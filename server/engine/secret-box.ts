/**
 * Encryption of secrets at rest: AES-256-GCM with a random 96-bit IV per value; the secret's
 * name is bound as additional data, so a ciphertext moved to another name does not decrypt.
 * The key comes from PETREL_SECRET_KEY, else from `<data folder>/secret.key` (made on first use,
 * mode 0600). Processes sharing a database must share the key.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { AppError } from "../../lib/errors";
import type { Config } from "../config";
import type { PrismaClient } from "../db/database";

const KEY_FILE = "secret.key";

/** Keys read from key files, per data folder (a step that uses secrets does not read the file each time). */
const keyFiles = new Map<string, Buffer>();

/** The key: from the configuration, or the data folder's key file (created 0600 when missing). */
export function loadSecretKey(config: Pick<Config, "secretKey" | "dataDir">): Buffer {
  if (config.secretKey) return config.secretKey;
  const known = keyFiles.get(config.dataDir);
  if (known) return known;
  const key = readOrCreateKeyFile(config.dataDir);
  keyFiles.set(config.dataDir, key);
  return key;
}

function readOrCreateKeyFile(dataDir: string): Buffer {
  const file = path.join(dataDir, KEY_FILE);
  try {
    const key = Buffer.from(readFileSync(file, "utf8").trim(), "base64");
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`);
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  try {
    writeFileSync(file, `${key.toString("base64")}\n`, { mode: 0o600, flag: "wx" });
    return key;
  } catch (error) {
    // Another process made it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return readOrCreateKeyFile(dataDir);
    throw error;
  }
}

export function sealSecret(key: Buffer, name: string, value: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(name, "utf8"));
  const body = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
}

/** Throws when the ciphertext was altered, belongs to another name, or the key is not the one it was sealed with. */
export function openSecret(key: Buffer, name: string, sealed: string): string {
  const raw = Buffer.from(sealed, "base64");
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(name, "utf8"));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
}

/** Decrypted values of `names`; a name with no secret is an error naming it. */
export async function revealSecrets(prisma: PrismaClient, config: Pick<Config, "secretKey" | "dataDir">, names: Iterable<string>): Promise<Map<string, string>> {
  const wanted = [...names];
  const out = new Map<string, string>();
  if (!wanted.length) return out;
  const rows = await prisma.secret.findMany({ where: { name: { in: wanted } }, select: { name: true, ciphertext: true } });
  const key = loadSecretKey(config);
  for (const r of rows) out.set(r.name, openSecret(key, r.name, r.ciphertext));
  const missing = wanted.filter((n) => !out.has(n));
  if (missing.length) throw new AppError("NOT_FOUND", { message: `No secret is named ${missing.join(", ")}.` });
  return out;
}
