/** One figure per line on standard output, in the format of STYLE.md. */
export type Figure = {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  better: "higher" | "lower";
  goal?: number;
  baseline?: { name: string; value: number };
  ratio?: number;
  /** A throughput measured at steady state: the rate of its untimed warm-up, for comparison. */
  cold?: number;
  /** Measured this many times; value, baseline and ratio are medians. */
  turns?: number;
};

export function report(figure: Figure): void {
  process.stdout.write(`${JSON.stringify(figure)}\n`);
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}
