// `--profile DIR` runs ours with node --cpu-prof; this reads the .cpuprofile V8 writes on exit
// and lists the functions with the most self time (time spent in the function itself, not
// in what it calls), as a share of the time the process was not idle. The server's start
// (loading and compiling modules) is left out: samples in its first `skipMs` (the time it
// took to print LISTENING) do not count.
//
//   npx tsx tools/bench/profile.ts FILE.cpuprofile [TOP] [SKIP_MS]   the same for any profile

import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ProfileEntry, ProfileSummary } from "./result.ts";

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a function lives, short: final/src/session.ts:120, node:net, pino/lib/…, (native). */
export function shortLocation(url: string, line: number, repoRoot: string): string {
  if (!url) return "(native)";
  let u = url.startsWith("file://") ? new URL(url).pathname : url;
  if (u.startsWith(repoRoot + path.sep)) u = u.slice(repoRoot.length + 1);
  u = u.replace(/^node_modules\//, "");
  return u.startsWith("node:") ? u : `${u}:${line + 1}`;
}

export function summarizeProfile(profile: CpuProfile, repoRoot: string, file: string, top = 25, skipMs = 0): ProfileSummary {
  const byNode = new Map<number, number>();
  // timeDeltas[i] is the time from sample i-1 to sample i: charge it to sample i-1's node.
  let at = profile.timeDeltas[0] ?? 0;
  for (let i = 1; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at <= skipMs * 1000) continue;
    const id = profile.samples[i - 1]!;
    byNode.set(id, (byNode.get(id) ?? 0) + delta);
  }
  const byFunction = new Map<string, ProfileEntry>();
  let busyUs = 0;
  for (const node of profile.nodes) {
    const us = byNode.get(node.id) ?? 0;
    if (us === 0) continue;
    const name = node.callFrame.functionName || "(anonymous)";
    if (name === "(idle)") continue;
    busyUs += us;
    const location = shortLocation(node.callFrame.url, node.callFrame.lineNumber, repoRoot);
    const key = `${name}\u0000${location}`;
    const e = byFunction.get(key) ?? { functionName: name, location, selfMs: 0, selfPercent: 0 };
    e.selfMs += us / 1000;
    byFunction.set(key, e);
  }
  const entries = [...byFunction.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
  for (const e of entries) {
    e.selfPercent = busyUs > 0 ? (e.selfMs * 1000 * 100) / busyUs : 0;
    e.selfMs = Math.round(e.selfMs * 10) / 10;
    e.selfPercent = Math.round(e.selfPercent * 10) / 10;
  }
  return { file, totalMs: Math.round(busyUs / 1000), ...(skipMs > 0 ? { skippedMs: Math.round(skipMs) } : {}), top: entries };
}

export function readProfile(file: string, repoRoot: string, top = 25, skipMs = 0): ProfileSummary {
  return summarizeProfile(JSON.parse(readFileSync(file, "utf8")) as CpuProfile, repoRoot, file, top, skipMs);
}

export function profileText(p: ProfileSummary): string {
  const skipped = p.skippedMs ? `, the first ${p.skippedMs} ms (start-up) left out` : "";
  const lines = [`${p.file}: ${p.totalMs} ms of CPU (idle excluded${skipped}); top self time:`];
  for (const e of p.top) lines.push(`  ${e.selfPercent.toFixed(1).padStart(5)} %  ${String(e.selfMs).padStart(8)} ms  ${e.functionName}  ${e.location}`);
  return lines.join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [file, top, skip] = process.argv.slice(2);
  if (!file) {
    process.stderr.write("usage: npx tsx tools/bench/profile.ts FILE.cpuprofile [TOP] [SKIP_MS]\n");
    process.exit(2);
  }
  process.stdout.write(`${profileText(readProfile(file, process.cwd(), Number(top ?? 25), Number(skip ?? 0)))}\n`);
}
