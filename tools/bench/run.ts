// One bench run: find the peers, make the temporary home (a big file, a concurrent-transfer
// file, a folder with many entries, a writable `bench` folder for uploads), then round after
// round measure the machine limits and each server in turn, and summarise. Everything it
// starts is stopped and its temp folder removed, also when interrupted (stopAll).

import { execFile } from "node:child_process";
import { chmodSync, chownSync, closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { CHUNK } from "./ftp-client.ts";
import { measureLimits, type LimitId, type LimitResult } from "./limits.ts";
import { describeMachine } from "./machine.ts";
import type { BenchOptions } from "./options.ts";
import { detectPeers, installPeers, plan, shellLine, VARIANT_IDS, withFileLimit, type ServerId, type VariantId } from "./peers.ts";
import { readProfile } from "./profile.ts";
import type { PeerRecord, ProfileSummary, RoundRecord, RunResult } from "./result.ts";
import { LOGGING_ROWS, measureServer } from "./rows.ts";
import { freePort, startServer, type RunningServer } from "./server-process.ts";
import { summarizeRun } from "./summary.ts";

const HOST = "127.0.0.1";
const NOFILE = 65536;
const running = new Set<RunningServer>();
const tempDirs = new Set<string>();

/** Stops every server still running and removes the temp folders (SIGINT, errors). */
export async function stopAll(): Promise<void> {
  await Promise.allSettled([...running].map((s) => s.stop()));
  running.clear();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}

function baseOf(id: VariantId): ServerId {
  return id.startsWith("ours") ? "ours" : (id as ServerId);
}

/**
 * Writes and deletes a file as big as the big upload, before each server starts. On a virtual
 * machine, page-cache memory the guest never touched costs several times more system time to
 * fill than memory it used before (measured here: 0.7 s against 0.12 s for 256 MiB, for any
 * program), so whichever server uploaded first in a round paid for it: with the order
 * swapped, pyftpdlib's first upload was the slow one. Now every server uploads into memory
 * that was just freed.
 */
function warmPageCache(file: string, bytes: number): void {
  writeFile(file, bytes);
  rmSync(file, { force: true });
}

function writeFile(file: string, bytes: number): void {
  const fd = openSync(file, "w");
  try {
    for (let left = bytes; left > 0; ) {
      const n = Math.min(left, CHUNK.length);
      writeSync(fd, CHUNK, 0, n);
      left -= n;
    }
  } finally {
    closeSync(fd);
  }
}

function ftpUser(): { uid: number; gid: number } | null {
  try {
    const line = readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith("ftp:"));
    if (!line) return null;
    const [, , uid, gid] = line.split(":");
    return { uid: Number(uid), gid: Number(gid) };
  } catch {
    return null;
  }
}

/** Lines of a server log that look like errors or warnings (ours, pyftpdlib, ftp-srv, vsftpd). */
export function logIssues(text: string): { count: number; first: string[] } {
  const re = /^\[[EWC] |\b(ERROR|WARN|FATAL)\b|Traceback|OOPS|"level":[456]0/;
  const all = text.split("\n");
  const found: string[] = [];
  all.forEach((line, i) => {
    if (!re.test(line)) return;
    // A Python traceback: say which exception it ends with.
    const last = /Traceback/.test(line) ? all.slice(i + 1).find((l) => l && !/^\s/.test(l)) : undefined;
    found.push(`${line}${last ? ` … ${last}` : ""}`.slice(0, 240));
  });
  return { count: found.length, first: found.slice(0, 3) };
}

/**
 * Ours runs compiled, as an operator runs it (`npm run build`, then `node dist/server/main.js`):
 * tsx would compile at startup and keep its loader in memory (about 30 MiB more at idle).
 */
async function buildServer(repoRoot: string, outDir: string): Promise<string> {
  const tsc = path.join(repoRoot, "node_modules", "typescript", "bin", "tsc");
  await promisify(execFile)(process.execPath, [tsc, "-p", "tsconfig.build.json", "--outDir", outDir], { cwd: repoRoot, timeout: 120_000 });
  return outDir;
}

export async function runBench(o: BenchOptions, repoRoot: string, say: (line: string) => void): Promise<RunResult> {
  const started = Date.now();
  const notes: string[] = [];
  let detected = await detectPeers(repoRoot);
  if (o.installPeers) {
    for (const line of await installPeers(detected.peers)) {
      say(line);
      notes.push(line);
    }
    detected = await detectPeers(repoRoot);
  }
  const { peers, tools } = detected;
  const machine = await describeMachine(tools, peers);
  const peerRecords = new Map<VariantId, PeerRecord>();
  for (const id of o.servers) {
    const p = peers[baseOf(id)];
    peerRecords.set(id, { id, available: p.available, ...(p.version ? { version: p.version } : {}), ...(p.reason ? { reason: p.reason } : {}) });
    if (!p.available) say(`${id}: missing: ${p.reason}`);
  }

  const root = mkdtempSync(path.join(os.tmpdir(), "ftp-lab-bench-"));
  tempDirs.add(root);
  chmodSync(root, 0o755);
  const home = path.join(root, "home");
  mkdirSync(path.join(home, "bench"), { recursive: true });
  chmodSync(home, 0o755);
  chmodSync(path.join(home, "bench"), 0o777);
  const ftp = ftpUser();
  if (ftp && process.getuid?.() === 0) chownSync(path.join(home, "bench"), ftp.uid, ftp.gid); // vsftpd's anonymous uploads
  const p = o.params;
  say(`preparing ${root}: ${p.bigBytes} + ${p.fileBytes} byte files, ${p.listEntries} entries`);
  writeFile(path.join(home, "big.bin"), p.bigBytes);
  writeFile(path.join(home, "file.bin"), p.fileBytes);
  mkdirSync(path.join(home, "list"));
  for (let i = 0; i < p.listEntries; i++) closeSync(openSync(path.join(home, "list", `entry-${String(i).padStart(6, "0")}.txt`), "w"));
  const profileDir = o.profileDir ? path.resolve(o.profileDir) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  let serverDir: string | undefined;
  if (!o.fromSource && o.servers.some((id) => id.startsWith("ours"))) {
    // Inside the repository, so that the compiled server finds node_modules.
    say("building ours (npm run build, into dist/bench-server)");
    serverDir = await buildServer(repoRoot, path.join(repoRoot, "dist", "bench-server"));
  }

  const limitRounds: Partial<Record<LimitId, LimitResult>>[] = [];
  const profiles: ProfileSummary[] = [];
  const roundRecords: RoundRecord[] = [];
  try {
    for (let round = 1; round <= o.rounds; round++) {
      say(`round ${round}/${o.rounds}`);
      if (o.limits) {
        const limitBytes = Math.min(p.bigBytes, 512 * 1024 * 1024);
        const l = await measureLimits(repoRoot, path.join(home, "big.bin"), limitBytes, root, 60_000 * o.timeoutScale);
        limitRounds.push(l);
        say(`  limits: ${Object.entries(l).map(([k, v]) => `${k} ${v.mibps === null ? `ERROR ${v.error}` : Math.round(v.mibps)}`).join(", ")}`);
      }
      for (const id of o.servers) {
        const peer = peerRecords.get(id)!;
        if (!peer.available) continue;
        const runDir = path.join(root, `${id}-r${round}`);
        const serverProfileDir = profileDir && id.startsWith("ours") ? path.join(profileDir, `${id}-r${round}`) : undefined;
        mkdirSync(runDir, { recursive: true });
        chmodSync(runDir, 0o755);
        const ctx = {
          repoRoot,
          home,
          runDir,
          host: HOST,
          node: tools.node,
          python: tools.python,
          vsftpd: tools.vsftpd,
          ...(id === "vsftpd" ? { port: await freePort(HOST) } : {}),
          ...(serverProfileDir ? { profileDir: serverProfileDir } : {}),
          ...(serverDir ? { serverDir } : {}),
        };
        if (id === "vsftpd") mkdirSync(path.join(runDir, "vsftpd-empty"), { recursive: true, mode: 0o755 });
        const launch = plan(id, ctx);
        if (!peer.command) {
          const w = withFileLimit(launch.command, launch.args, NOFILE);
          peer.command = shellLine(w.command, w.args);
        }
        const logFile = path.join(runDir, "server.log");
        warmPageCache(path.join(root, "page-cache-warm-up.bin"), p.bigBytes);
        const load = Math.round(os.loadavg()[0]! * 10) / 10;
        say(`${id} (round ${round}, load average ${load})`);
        let server: RunningServer;
        try {
          server = await startServer(launch, { host: HOST, nofile: NOFILE, logFile, timeoutMs: 30_000 * o.timeoutScale });
        } catch (err) {
          const message = (err as Error).message;
          say(`  ${message}`);
          roundRecords.push({ round, server: id, startError: message, cells: {}, load });
          continue;
        }
        running.add(server);
        let cells;
        try {
          // Ours' variants run only the rows they are compared on (the concurrent ones).
          const rows = (VARIANT_IDS as readonly string[]).includes(id) ? o.rows.filter((r) => LOGGING_ROWS.includes(r)) : o.rows;
          cells = await measureServer(server, {
            params: p,
            files: { home, big: "big.bin", file: "file.bin", listDir: "list", uploads: "bench", tag: `${id}-r${round}` },
            rows: new Set(rows),
            timeoutScale: o.timeoutScale,
            note: say,
          });
        } finally {
          await server.stop();
          running.delete(server);
        }
        const record: RoundRecord = { round, server: id, cells, load };
        if (serverProfileDir) {
          for (const f of readdirSync(serverProfileDir).filter((x) => x.endsWith(".cpuprofile")).sort()) {
            profiles.push(readProfile(path.join(serverProfileDir, f), repoRoot, 25, server.startupMs));
          }
        }
        try {
          const issues = logIssues(readFileSync(logFile, "utf8"));
          if (issues.count > 0) record.logIssues = issues;
        } catch {
          /* no log */
        }
        roundRecords.push(record);
        for (const f of readdirSync(path.join(home, "bench"))) rmSync(path.join(home, "bench", f), { recursive: true, force: true });
      }
    }
  } finally {
    await stopAll();
  }

  const missing = [...peerRecords.values()].filter((r) => !r.available).map((r) => r.id);
  const summary = summarizeRun({ params: p, rounds: o.rounds, servers: o.servers, roundRecords, limitRounds, missing });
  if (os.cpus().length <= 2) notes.push(`Note: ${os.cpus().length} cores: server and client share them; treat small differences as noise.`);
  if (machine.nofileHard !== "unlimited" && Number(machine.nofileHard) < NOFILE) {
    notes.push(`Note: the hard open-file limit is ${machine.nofileHard}, below the ${NOFILE} asked for; servers ran with ${machine.nofileHard}.`);
  }
  return {
    schema: "ftp-lab-bench/1",
    startedAt: new Date(started).toISOString(),
    durationSeconds: (Date.now() - started) / 1000,
    quick: o.quick,
    rounds: o.rounds,
    params: p,
    servers: o.servers,
    machine,
    peers: [...peerRecords.values()],
    notes,
    limitRounds,
    roundRecords,
    summary,
    ...(profileDir ? { profiles } : {}),
  };
}
