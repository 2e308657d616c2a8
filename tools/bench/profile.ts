// `--profile DIR` runs ours with node --cpu-prof; this reads the .cpuprofile V8 writes on exit
// and lists the functions with the most self time (time spent in the function itself, not
// in what it calls), as a share of the time the process was not idle.
//
//   npx tsx tools/bench/profile.ts FILE.cpuprofile [TOP]   the same summary for any profile

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

export function summarizeProfile(profile: CpuProfile, repoRoot: string, file: string, top = 25): ProfileSummary {
  const byNode = new Map<number, number>();
  // timeDeltas[i] is the time from sample i-1 to sample i: charge it to sample i-1's node.
  for (let i = 1; i < profile.samples.length; i++) {
    const id = profile.samples[i - 1]!;
    byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
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
  return { file, totalMs: Math.round(busyUs / 1000), top: entries };
}

export function readProfile(file: string, repoRoot: string, top = 25): ProfileSummary {
  return summarizeProfile(JSON.parse(readFileSync(file, "utf8")) as CpuProfile, repoRoot, file, top);
}

export function profileText(p: ProfileSummary): string {
  const lines = [`${p.file}: ${p.totalMs} ms of CPU (idle excluded); top self time:`];
  for (const e of p.top) lines.push(`  ${e.selfPercent.toFixed(1).padStart(5)} %  ${String(e.selfMs).padStart(8)} ms  ${e.functionName}  ${e.location}`);
  return lines.join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write("usage: npx tsx tools/bench/profile.ts FILE.cpuprofile [TOP]\n");
    process.exit(2);
  }
  process.stdout.write(`${profileText(readProfile(file, process.cwd(), Number(top ?? 25)))}\n`);
}
