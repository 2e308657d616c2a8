// Statistics over rounds: median and min-max of one server's values, and the ratio of ours to
// a peer, taken per round (both measured minutes apart on the same noisy machine) and then
// summarised the same way. Pure functions; test/bench/stats.test.ts covers them.

export type Better = "higher" | "lower";

export interface Summary {
  median: number;
  min: number;
  max: number;
  /** How many rounds gave a value. */
  n: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of nothing");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** null when no round gave a usable value (missing server, error, timeout). */
export function summarize(values: readonly (number | null | undefined)[]): Summary | null {
  const ok = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  if (ok.length === 0) return null;
  return { median: median(ok), min: Math.min(...ok), max: Math.max(...ok), n: ok.length };
}

/**
 * How many times better ours is than the peer: our rate ÷ theirs for "higher is better" rows,
 * their time (or memory) ÷ ours for "lower is better" rows. Above 1: ours wins; below 1: ours
 * loses. null when either side is missing or not positive (the ratio would mean nothing).
 */
export function advantage(ours: number | null | undefined, peer: number | null | undefined, better: Better): number | null {
  if (typeof ours !== "number" || typeof peer !== "number" || !Number.isFinite(ours) || !Number.isFinite(peer)) return null;
  // A ratio of a zero or negative figure (a memory growth that came out below zero) means nothing.
  if (ours <= 0 || peer <= 0) return null;
  return better === "higher" ? ours / peer : peer / ours;
}

/** The per-round advantages (rounds where both have a value), summarised. */
export function roundAdvantage(
  ours: readonly (number | null | undefined)[],
  peer: readonly (number | null | undefined)[],
  better: Better,
): Summary | null {
  const ratios: number[] = [];
  for (let i = 0; i < Math.min(ours.length, peer.length); i++) {
    const r = advantage(ours[i], peer[i], better);
    if (r !== null) ratios.push(r);
  }
  return summarize(ratios);
}

/** Per-round fractions value ÷ limit (e.g. RETR MiB/s ÷ file-to-socket MiB/s), summarised. */
export function roundFraction(values: readonly (number | null | undefined)[], limits: readonly (number | null | undefined)[]): Summary | null {
  const fractions: number[] = [];
  for (let i = 0; i < Math.min(values.length, limits.length); i++) {
    const v = values[i];
    const l = limits[i];
    if (typeof v === "number" && typeof l === "number" && l > 0) fractions.push(v / l);
  }
  return summarize(fractions);
}

/** Relative spread of a summary ((max-min)/median): how noisy the rounds were. */
export function spread(s: Summary | null): number | null {
  if (!s || s.median === 0) return null;
  return (s.max - s.min) / Math.abs(s.median);
}
