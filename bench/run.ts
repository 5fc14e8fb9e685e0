/**
 * `npm run bench [-- FAMILY]`: benchmark families, one JSON object per figure on standard
 * output (progress on standard error). Families: api, verify, engine, designer, live, audit.
 */
import { api } from "./api";
import { audit } from "./audit";
import { designer } from "./designer";
import { engine } from "./engine";
import { live } from "./live";
import { verify } from "./verify";

const families: Record<string, () => Promise<void>> = { api, verify, engine, designer, live, audit };

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !(w in families));
if (unknown.length) {
  process.stderr.write(`unknown benchmark family: ${unknown.join(", ")} (known: ${Object.keys(families).join(", ")})\n`);
  process.exit(2);
}
for (const name of wanted.length ? wanted : Object.keys(families)) {
  process.stderr.write(`bench ${name}…\n`);
  await families[name]!();
}
