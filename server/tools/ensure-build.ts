/**
 * `npm start` builds the Next app only when its inputs changed since the last build: a hash of
 * app/, components/, lib/, public/, next.config.js and the lock file is kept in .next/.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

const ROOT = process.cwd();
const INPUTS = ["app", "components", "lib", "public", "next.config.js", "package-lock.json", "tsconfig.json"];
const STAMP = path.join(ROOT, ".next", "petrel-build-inputs");

function addTree(hash: ReturnType<typeof createHash>, p: string): void {
  if (!existsSync(p)) return;
  const st = statSync(p);
  if (st.isDirectory()) {
    for (const name of readdirSync(p).sort()) addTree(hash, path.join(p, name));
  } else {
    hash.update(path.relative(ROOT, p)).update("\0").update(readFileSync(p)).update("\0");
  }
}

const hash = createHash("sha256");
for (const input of INPUTS) addTree(hash, path.join(ROOT, input));
const digest = hash.digest("hex");

const built = existsSync(path.join(ROOT, ".next", "BUILD_ID")) && existsSync(STAMP) && readFileSync(STAMP, "utf8") === digest;
if (built) {
  process.stderr.write("petrel: the web app is already built for these sources.\n");
} else {
  process.stderr.write("petrel: building the web app (next build)…\n");
  const result = spawnSync("npx", ["next", "build"], { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" } });
  if (result.status !== 0) process.exit(result.status ?? 1);
  writeFileSync(STAMP, digest);
}
