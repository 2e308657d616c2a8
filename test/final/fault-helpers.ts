/**
 * Shared pieces of the hostile-* and fault-* suites: a server started with a JSON log file,
 * what the server process holds (open file descriptors and resident memory, from /proc),
 * the log read back, deterministic data and a few waits.
 *
 * The server under test is $FTP_TARGET when set (targetEntry()), so a deliberately broken
 * copy can be pointed at to see these tests fail.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createHash } from "node:crypto";
import { HarnessError, sleep, startServer, targetEntry, type RunningServer } from "../harness/index.ts";

export interface LoggedServer {
  server: RunningServer;
  /** The JSON-lines log file (--log-file). */
  logFile: string;
  /** A scratch folder for this server (its config file, its log); removed by stop(). */
  scratch: string;
  pid: number;
  /** Every log entry so far, parsed. */
  log(): LogEntry[];
  stop(): Promise<void>;
}

export interface LogEntry {
  level: string;
  msg: string;
  [field: string]: unknown;
}

/**
 * Start the server under test with a log file at `level` (a config file, since no flag sets a
 * level below info), no console logging, and the given extra flags.
 */
export async function startLogged(opts: { args?: string[]; root?: string; level?: "warn" | "info" | "verbose"; extraIni?: string } = {}): Promise<LoggedServer> {
  const scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "ftp-lab-fault-")));
  const logFile = path.join(scratch, "ftpd.log");
  const ini = path.join(scratch, "ftpd.ini");
  fs.writeFileSync(ini, `[logging]\nconsole = false\nlevel = ${opts.level ?? "info"}\nfile = ${logFile}\n${opts.extraIni ?? ""}`);
  const server = await startServer({
    entry: targetEntry(),
    ...(opts.root !== undefined ? { root: opts.root } : {}),
    args: ["--config", ini, ...(opts.args ?? [])],
  });
  const pid = server.proc.pid!;
  return {
    server,
    logFile,
    scratch,
    pid,
    log: () => readLog(logFile),
    async stop() {
      await server.stop();
      fs.rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/**
 * Node's own complaints on the server's stderr (the tests turn console logging off, so there
 * should be none): "Closing file descriptor N on garbage collection" (a FileHandle leaked, then
 * rescued by the GC: the descriptor count alone would miss it), unhandled rejections, ...
 */
export function stderrComplaints(server: RunningServer): string[] {
  return server
    .stderr()
    .split("\n")
    .filter((l) => /warning|error|unhandled/i.test(l))
    .map((l) => l.trim());
}

export function readLog(file: string): LogEntry[] {
  let text = "";
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => {
      try {
        return JSON.parse(l) as LogEntry;
      } catch {
        return { level: "unparsable", msg: l };
      }
    });
}

/** Wait until `check` is true (polling), or throw `message` after `ms`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, ms: number, message: () => string, everyMs = 50): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new HarnessError(message());
    await sleep(everyMs);
  }
}

export { sleep };

// ---- what the process holds -------------------------------------------------------------------

/** Open file descriptors of a process: fd number -> what it is (a path, socket:[...], pipe:[...]). */
export function openFds(pid: number): Map<number, string> {
  const out = new Map<number, string>();
  for (const name of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      out.set(Number(name), fs.readlinkSync(`/proc/${pid}/fd/${name}`));
    } catch {
      // closed between readdir and readlink
    }
  }
  return out;
}

/** Resident memory of a process, in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

/** Descriptors open now that were not open in `before` (fd numbers may be reused: compare targets too). */
export function extraFds(before: Map<number, string>, now: Map<number, string>): string[] {
  const extra: string[] = [];
  for (const [fd, what] of now) if (before.get(fd) !== what) extra.push(`${fd} -> ${what}`);
  return extra;
}

/** Wait until the server holds no descriptor it did not hold in `before` (closing takes a moment). */
export async function expectFdsBackTo(pid: number, before: Map<number, string>, ms = 5000, what = ""): Promise<void> {
  let extra: string[] = [];
  await waitUntil(
    () => {
      extra = extraFds(before, openFds(pid));
      return extra.length === 0;
    },
    ms,
    () =>
      `The server still holds ${extra.length} file descriptor(s) it did not hold before${what ? ` (${what})` : ""}, ${ms} ms later (a leak):\n` +
      extra.map((l) => `    ${l}`).join("\n"),
  );
}

// ---- data -------------------------------------------------------------------------------------

/** Deterministic pseudo-random bytes (xorshift32), reproducible from the seed. */
export function seededBytes(size: number, seed: number): Buffer {
  const buf = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    if (i + 4 <= size) buf.writeUInt32LE(x, i);
    else for (let j = i; j < size; j++) buf[j] = (x >>> ((j - i) * 8)) & 0xff;
  }
  return buf;
}

export const SEED = Number(process.env.FTP_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
export const seedNote = `seed ${SEED} (rerun with FTP_TEST_SEED=${SEED})`;

export function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** A file of `size` zero bytes that takes no disk space (a hole), for big transfers. */
export function sparseFile(file: string, size: number): void {
  const fd = fs.openSync(file, "w");
  try {
    fs.ftruncateSync(fd, size);
  } finally {
    fs.closeSync(fd);
  }
}

export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
