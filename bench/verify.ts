/**
 * Verifier benchmarks: median ms over repeated runs after a warm-up, with the goals of the issue;
 * the plain state-space explorer (no reduction) measured on the same 20-branch workflow as the
 * baseline; and the size of the verifier bundled for the browser.
 */
import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { parallelBranches, structuredWorkflow } from "../lib/petri/fixtures/generate";
import { verifyWorkflow } from "../lib/petri/verify";
import type { WorkflowGraph } from "../lib/workflow/schema";
import { median, report } from "./report";

function time(graph: WorkflowGraph, runs: number, options = {}): { ms: number; sound: boolean | null; states: number } {
  let last = verifyWorkflow(graph, options);
  for (let i = 0; i < Math.min(5, runs); i++) verifyWorkflow(graph, options); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    last = verifyWorkflow(graph, options);
    times.push(performance.now() - t0);
  }
  return { ms: median(times), sound: last.sound, states: last.states };
}

const round = (n: number) => Math.round(n * 1000) / 1000;
/** (tasks, seed) giving a 48-node structured workflow: "typical". */
const TYPICAL = [15, 1] as const;

export async function verify(): Promise<void> {
  const branches = parallelBranches(20);
  const fast = time(branches, 50);
  process.stderr.write(`  20 parallel branches: ${round(fast.ms)} ms (sound=${fast.sound}); plain explorer…\n`);
  const t0 = performance.now();
  const plain = verifyWorkflow(branches, { reduce: false, maxStates: 3_000_000 });
  const plainMs = performance.now() - t0;
  process.stderr.write(`  plain explorer: ${round(plainMs)} ms, ${plain.states} states, sound=${plain.sound}\n`);
  report({ bench: "verify", metric: "parallel_20_branches_median_ms", value: round(fast.ms), unit: "ms", better: "lower", goal: 100, baseline: { name: "plain_bfs_explorer_ms", value: round(plainMs) }, ratio: round(plainMs / fast.ms) });
  report({ bench: "verify", metric: "parallel_20_branches_plain_explorer_states", value: plain.states, unit: "states", better: "lower" });

  const big = structuredWorkflow(1000, 7);
  const r1000 = time(big, 30);
  process.stderr.write(`  1,000-task structured (${big.nodes.length} nodes): ${round(r1000.ms)} ms, sound=${r1000.sound}\n`);
  report({ bench: "verify", metric: "structured_1000_tasks_median_ms", value: round(r1000.ms), unit: "ms", better: "lower", goal: 20 });

  const typical = structuredWorkflow(TYPICAL[0], TYPICAL[1]);
  const r50 = time(typical, 500);
  process.stderr.write(`  typical ${typical.nodes.length}-node workflow: ${round(r50.ms)} ms, sound=${r50.sound}\n`);
  report({ bench: "verify", metric: `typical_${typical.nodes.length}_nodes_median_ms`, value: round(r50.ms), unit: "ms", better: "lower", goal: 1 });

  const huge = structuredWorkflow(6000, 11); // 10,011 nodes
  const r10k = time(huge, 5);
  process.stderr.write(`  ${huge.nodes.length}-node structured: ${round(r10k.ms)} ms, sound=${r10k.sound}\n`);
  report({ bench: "verify", metric: `structured_${huge.nodes.length}_nodes_median_ms`, value: round(r10k.ms), unit: "ms", better: "lower" });

  const bundle = await build({ entryPoints: ["lib/petri/verify.ts"], bundle: true, minify: true, format: "esm", platform: "browser", write: false, logLevel: "silent" });
  const bytes = bundle.outputFiles[0]!.contents;
  report({ bench: "verify", metric: "browser_bundle_bytes", value: bytes.length, unit: "bytes", better: "lower" });
  report({ bench: "verify", metric: "browser_bundle_gzip_bytes", value: gzipSync(bytes).length, unit: "bytes", better: "lower" });
}
