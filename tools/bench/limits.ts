// The machine's own limits, measured in every round next to the servers (the better of two
// tries each), so that each throughput row can be read as a fraction of what this box can do
// at that moment:
//
//   loopback-down   TCP over loopback, another process → the bench (what RETR could reach)
//   loopback-up     TCP over loopback, the bench → another process (what STOR could reach)
//   file-stream     fs.createReadStream(file).pipe(socket) in another process → the bench
//   file-bigreads   1 MiB reads written one by one (sendfile-like) → the bench
//   socket-file     the bench → socket.pipe(fs.createWriteStream()) in another process
//
// The bench's side is the same code as the FTP load client's data connections (the onread
// sink, the 1 MiB chunk writer), so these also show what the client itself can take.

import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { connectSink, connectSocket, Tracker, writeBytes } from "./ftp-client.ts";
import { clientCpuSeconds } from "./procfs.ts";

export const LIMIT_IDS = ["loopback-down", "loopback-up", "file-stream", "file-bigreads", "socket-file"] as const;
export type LimitId = (typeof LIMIT_IDS)[number];

export const LIMIT_LABELS: Record<LimitId, string> = {
  "loopback-down": "loopback TCP, server process → client",
  "loopback-up": "loopback TCP, client → server process",
  "file-stream": "file → socket, fs.createReadStream().pipe()",
  "file-bigreads": "file → socket, 1 MiB reads (sendfile-like)",
  "socket-file": "socket → file, pipe to fs.createWriteStream()",
};

export interface LimitResult {
  /** MiB/s, or null with an error. */
  mibps: number | null;
  error?: string;
  seconds?: number;
  peerCpu?: number;
  clientCpu?: number;
}

const MiB = 1024 * 1024;

async function once(repoRoot: string, mode: string, arg: string, sendBytes: number, timeoutMs: number): Promise<LimitResult> {
  const child = spawn(process.execPath, ["--import", "tsx", "tools/bench/limit-peer.ts", mode, arg], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const tracker = new Tracker();
  const timer = setTimeout(() => {
    tracker.abort(new Error(`timeout after ${timeoutMs / 1000} s`));
    child.kill("SIGKILL");
  }, timeoutMs);
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const check = () => {
        const m = /PORT (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      };
      child.stdout.on("data", check);
      void exited.then(() => reject(new Error(`limit peer exited: ${err.trim() || out.trim()}`)));
    });
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let bytes: number;
    if (sendBytes > 0) {
      const socket = await connectSocket({ host: "127.0.0.1", port }, tracker);
      const closed = new Promise<void>((resolve, reject) => {
        socket.once("close", () => resolve());
        socket.once("error", reject);
      });
      socket.on("data", () => {});
      await writeBytes(socket, sendBytes);
      await closed; // the peer closes once everything is read (and, for socket-file, written)
      bytes = sendBytes;
    } else {
      const sink = await connectSink({ host: "127.0.0.1", port }, tracker);
      await sink.ended;
      bytes = sink.bytes();
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const clientCpu = clientCpuSeconds(cpu0);
    await exited;
    if (tracker.reason) throw tracker.reason;
    const peerCpu = Number(/CPU ([\d.]+)/.exec(out)?.[1] ?? NaN);
    return { mibps: bytes / MiB / seconds, seconds, peerCpu, clientCpu };
  } catch (e) {
    return { mibps: null, error: (e as Error).message };
  } finally {
    clearTimeout(timer);
    child.kill("SIGKILL");
  }
}

/** A limit is what the box can do: the better of two tries (a neighbour may steal one). */
async function best(measure: () => Promise<LimitResult>): Promise<LimitResult> {
  const a = await measure();
  const b = await measure();
  if (a.mibps === null) return b;
  if (b.mibps === null) return a;
  return a.mibps >= b.mibps ? a : b;
}

/** All the limits, one after another; `file` is a big file already in the page cache. */
export async function measureLimits(repoRoot: string, file: string, bytes: number, scratchDir: string, timeoutMs: number): Promise<Record<LimitId, LimitResult>> {
  const out = {} as Record<LimitId, LimitResult>;
  const target = path.join(scratchDir, "limit-socket-file.bin");
  out["loopback-down"] = await best(() => once(repoRoot, "send", String(bytes), 0, timeoutMs));
  out["loopback-up"] = await best(() => once(repoRoot, "recv", "", bytes, timeoutMs));
  out["file-stream"] = await best(() => once(repoRoot, "file-stream", file, 0, timeoutMs));
  out["file-bigreads"] = await best(() => once(repoRoot, "file-bigreads", file, 0, timeoutMs));
  out["socket-file"] = await best(async () => {
    const r = await once(repoRoot, "file-recv", target, bytes, timeoutMs);
    rmSync(target, { force: true });
    return r;
  });
  return out;
}
