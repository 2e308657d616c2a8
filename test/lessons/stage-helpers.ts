/**
 * Helpers shared by the stage tests (test/lessons/NN-*.test.ts).
 *
 * Every stage test runs the server you are building, as a user would:
 *
 *   node --import tsx <stage>/src/main.ts -i 127.0.0.1 -p 0 -d <temp folder> [flags]
 *
 * The stage is chosen by $FTP_TARGET (unset: final/src; or e.g. `lessons/02-passive-ports`,
 * which means lessons/02-passive-ports/src/main.ts). So, to grade your own lesson 2:
 *
 *   FTP_TARGET=lessons/02-passive-ports npx vitest run test/lessons/02-passive-ports.test.ts
 *
 * Everything here talks to the server only through its command line and its sockets. Every
 * wait has a time limit, and when a check fails, the message says what was sent, what came
 * back, the likely cause, and how to try it by hand (e.g. a `printf ... | nc` line to replay
 * the session against a server you started yourself).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import { afterAll, afterEach, beforeAll } from "vitest";
import {
  FtpSocket,
  HarnessError,
  describeRun,
  expectCode,
  makeTempRoot,
  reproLine,
  shellQuote,
  startServer,
  targetEntry,
  type CliRun,
  type FtpSocketOptions,
  type Reply,
  type RunningServer,
  type TempRoot,
} from "../harness/index.ts";
import { installHint } from "../harness/tools-available.ts";

/** Time allowed for each reply: everything is on this machine, so 10 s is plenty. */
export const REPLY_MS = 10_000;

/** Which server is being tested, for failure messages. */
export function targetName(): string {
  return process.env.FTP_TARGET?.trim() || "final";
}

export { sleep } from "../harness/index.ts";

/** Indent every line of `text` (an empty text shows as "(empty)"), for messages. */
export function indent(text: string, by = "    "): string {
  const body = text.trimEnd();
  if (!body) return `${by}(empty)`;
  return body
    .split("\n")
    .map((l) => by + l)
    .join("\n");
}

/** The last `n` lines of a text, for messages. */
export function lastLines(text: string, n = 15): string {
  const lines = text.trimEnd().split("\n");
  return (lines.length > n ? ["…", ...lines.slice(-n)] : lines).join("\n");
}

// ---- one server per describe -------------------------------------------------------------

export interface StageServerSetup {
  /** Files of the temp folder (relative paths; null = an empty folder). */
  files?: Record<string, string | Buffer | null>;
  /** Extra flags; a function gets the temp folder (to name homes and files inside it). */
  args?: string[] | ((root: TempRoot) => string[] | Promise<string[]>);
  /** Pass `-d <temp folder>` (default true). */
  serveRoot?: boolean;
  /** Passed as -i (default 127.0.0.1). Clients connect to it (over loopback for 0.0.0.0 and ::). */
  listen?: string;
}

export interface StageServer {
  readonly root: TempRoot;
  readonly server: RunningServer;
  /** Where clients connect: the LISTENING address, or loopback when listening on 0.0.0.0 or ::. */
  readonly host: string;
  readonly port: number;
  /**
   * A raw control connection, greeting (220) checked. Closed after the test, or at the end of
   * the describe block when its tests run concurrently.
   */
  connect(opts?: FtpSocketOptions): Promise<FtpSocket>;
  /** connect() + USER/PASS, expecting 331 then 230. Default: anonymous. */
  login(user?: string, password?: string, opts?: FtpSocketOptions): Promise<FtpSocket>;
  /** Log in, run `fn`, and always close the connection (safe with concurrent tests). */
  session<T>(fn: (ftp: FtpSocket) => Promise<T>, user?: string, password?: string): Promise<T>;
  /** The server's command line and its recent output, for failure messages. */
  about(): string;
}

/**
 * Call inside a describe(): starts one server for the block (beforeAll), from the stage under
 * test ($FTP_TARGET) with its own temp folder, and stops it at the end (afterAll). Wrong
 * passwords are answered at once (--auth-failed-delay 0).
 *
 * A server that does not start does not fail the beforeAll (vitest would then report every
 * test as skipped, which reads like nothing is wrong): each test fails with the start-up error.
 */
export function useStageServer(setup: StageServerSetup = {}): StageServer {
  let root: TempRoot | undefined;
  let server: RunningServer | undefined;
  let flags = "";
  let startError: Error | undefined;
  const open = new Set<FtpSocket>();
  const closeAll = () => {
    for (const s of open) s.destroy();
    open.clear();
  };

  beforeAll(async () => {
    root = makeTempRoot(setup.files ?? {});
    const extra = typeof setup.args === "function" ? await setup.args(root) : (setup.args ?? []);
    flags = extra.map(shellQuote).join(" ");
    try {
      server = await startServer({
        entry: targetEntry(),
        ...(setup.serveRoot === false ? {} : { root: root.dir }),
        ...(setup.listen ? { host: setup.listen } : {}),
        args: ["--auth-failed-delay", "0", ...extra],
      });
    } catch (err) {
      root.cleanup();
      root = undefined;
      startError = err instanceof Error ? err : new Error(String(err));
      startError.message = `[target: ${targetName()}] the server did not start, so this requirement cannot be checked:\n${startError.message}`;
    }
  });
  afterEach((ctx) => {
    // Concurrent tests share the open connections: closing them here would cut the others'.
    if (!ctx.task.concurrent) closeAll();
  });
  afterAll(async () => {
    closeAll();
    await server?.stop();
    root?.cleanup();
  });

  const stage: StageServer = {
    get root() {
      if (startError) throw startError;
      if (!root) throw new Error("useStageServer: the temp folder is not ready (used outside a test?)");
      return root;
    },
    get server() {
      if (startError) throw startError;
      if (!server) throw new Error("useStageServer: the server did not start (see the beforeAll error above)");
      return server;
    },
    get host() {
      const h = stage.server.host;
      return h === "0.0.0.0" ? "127.0.0.1" : h === "::" ? "::1" : h;
    },
    get port() {
      return stage.server.port;
    },
    async connect(opts = {}) {
      const ftp = await FtpSocket.connect(stage.host, stage.port, { timeoutMs: REPLY_MS, server: stage.server.command, ...opts });
      open.add(ftp);
      void ftp.closed().then(() => open.delete(ftp));
      expectCode(ftp.greeting, 220, ftp.context("a new connection must be greeted with 220 (service ready)"));
      return ftp;
    },
    async login(user = "anonymous", password = "learner@example.com", opts = {}) {
      const ftp = await stage.connect(opts);
      await loginOn(ftp, user, password, flags);
      return ftp;
    },
    async session(fn, user, password) {
      const ftp = await stage.login(user, password);
      try {
        return await fn(ftp);
      } finally {
        ftp.destroy();
      }
    },
    about() {
      const s = stage.server;
      return [`  server:    ${s.command}`, `  server stdout:\n${indent(lastLines(s.stdout()))}`, `  server stderr:\n${indent(lastLines(s.stderr()))}`].join("\n");
    },
  };
  return stage;
}

/**
 * USER + PASS on an open connection, expecting 331 then 230. `flags` (the server's extra
 * flags) go into the failure message, so a learner sees which users were defined.
 */
export async function loginOn(ftp: FtpSocket, user: string, password: string, flags?: string): Promise<void> {
  await ftp.sendExpect(`USER ${user}`, 331, `USER must be answered with 331 ("send your password"), for every name`);
  await ftp.sendExpect(
    `PASS ${password}`,
    230,
    `"${user}" with password "${password}" is a valid login for this server${flags ? ` (started with ${flags})` : ""}; ` +
      `a 530 here usually means the user was never stored, or the password or home is looked up wrongly`,
  );
}

// ---- explained failures ------------------------------------------------------------------

/** Fail with `headline`, the last transcript lines and a line to replay the session by hand. */
export function failWith(ftp: FtpSocket | undefined, headline: string, cause?: string): never {
  const out = [headline];
  if (cause) out.push(`  cause:     ${cause}`);
  if (ftp) {
    const lines = ftp.transcriptText().split("\n").filter(Boolean).slice(-12);
    if (lines.length) out.push("  transcript (last lines):", ...lines.map((l) => "    " + l));
    const from = ftp.localAddress ? ` (from ${ftp.localAddress}: add -s ${ftp.localAddress} to nc)` : "";
    out.push(`  reproduce: ${reproLine(ftp.context())}${from}`);
  }
  out.push(`  target:    ${targetName()}`);
  throw new HarnessError(out.join("\n"));
}

/** Assert something about the server's folder (bytes on disk), explaining with the session. */
export function expectOnDisk(ftp: FtpSocket, ok: boolean, headline: string, cause?: string): void {
  if (!ok) failWith(ftp, headline, cause);
}

/** Names of the entries in a folder on disk (what the server really did). */
export function diskNames(dir: string): string[] {
  return fs.readdirSync(dir).sort();
}

// ---- transfers ---------------------------------------------------------------------------

export interface Transfer {
  /** The reply to the command itself: 150/125 when the transfer starts, or an error (e.g. 550). */
  first: Reply;
  /** The final reply (226), or `first` again when the command was refused. */
  final: Reply;
  /** Bytes received over the data connection (downloads and listings). */
  data: Buffer;
}

/** TYPE I: files travel unchanged (the default, TYPE A, may convert line endings). */
async function binary(ftp: FtpSocket): Promise<void> {
  await ftp.sendExpect("TYPE I", 200, "TYPE I (binary) must be accepted with 200");
}

/** The final reply of a transfer (after 150), which must be 226. */
export async function expectTransferComplete(ftp: FtpSocket, what: string, timeoutMs = REPLY_MS): Promise<Reply> {
  const reply = await ftp.readReply(timeoutMs);
  return expectCode(reply, 226, ftp.context(`after ${what} the server closes the data connection and says 226 (transfer complete)`));
}

/**
 * PASV (or EPSV), then a download-like command (LIST, NLST, RETR): reads the data connection
 * to its end. A refusal (4xx/5xx instead of 150) is returned, not thrown: check it yourself.
 */
export async function download(ftp: FtpSocket, command: string, mode: "PASV" | "EPSV" = "PASV", host?: string): Promise<Transfer> {
  if (/^RETR /i.test(command)) await binary(ftp);
  const ds = await ftp.openPassiveData(mode, host ? { host } : {});
  const first = await ftp.send(command);
  if (first.code >= 400) {
    ds.destroy();
    return { first, final: first, data: Buffer.alloc(0) };
  }
  expectCode(first, [125, 150], ftp.context(`${command} must say 150 (or 125) before sending over the data connection`));
  const data = await ds.readAll(REPLY_MS);
  const final = await expectTransferComplete(ftp, command);
  return { first, final, data };
}

/**
 * PASV (or EPSV), then an upload command (STOR, APPE): sends `data` and closes the data
 * connection (that is how a client marks the end). A refusal is returned, not thrown.
 * `finalMs`: how long the 226 may take (longer for a throttled upload).
 */
export async function upload(ftp: FtpSocket, command: string, data: string | Buffer, mode: "PASV" | "EPSV" = "PASV", finalMs = REPLY_MS): Promise<Transfer> {
  await binary(ftp);
  const ds = await ftp.openPassiveData(mode);
  const first = await ftp.send(command);
  if (first.code >= 400) {
    ds.destroy();
    return { first, final: first, data: Buffer.alloc(0) };
  }
  expectCode(first, [125, 150], ftp.context(`${command} must say 150 (or 125) before reading the data connection`));
  await ds.end(typeof data === "string" ? Buffer.from(data, "utf8") : data);
  const final = await expectTransferComplete(ftp, command, finalMs);
  return { first, final, data: Buffer.alloc(0) };
}

/** Check that a download or upload was allowed and completed (150 ... 226). */
export function expectAllowed(ftp: FtpSocket, t: Transfer, why: string): void {
  if (t.first.code >= 400) expectCode(t.first, [125, 150], ftp.context(why));
}

/** Check that a transfer command was refused with `code` before anything was transferred. */
export function expectRefused(ftp: FtpSocket, t: Transfer, code: number, why: string): void {
  expectCode(t.first, code, ftp.context(why));
}

/** download() that must be allowed: the data received (RETR x, LIST ...), with 150 and 226 checked. */
export async function passiveRead(ftp: FtpSocket, command: string, mode: "PASV" | "EPSV" = "PASV", host?: string): Promise<Buffer> {
  const t = await download(ftp, command, mode, host);
  expectAllowed(ftp, t, `${command} starts a transfer over the data connection opened after ${mode}`);
  return t.data;
}

/** upload() of STOR `name` over PASV that must be allowed; the 226 may take 30 s (throttling). */
export async function passiveStore(ftp: FtpSocket, name: string, data: Buffer): Promise<void> {
  const t = await upload(ftp, `STOR ${name}`, data, "PASV", 30_000);
  expectAllowed(ftp, t, `STOR ${name} starts an upload`);
}

/** The non-empty lines of a listing (LIST or NLST data), without their \r\n. */
export function listingLines(listing: Buffer): string[] {
  return listing
    .toString("utf8")
    .split("\n")
    .map((l) => l.replace(/\r$/, ""))
    .filter((l) => l.trim() !== "");
}

/**
 * The names in a LIST reply (Unix `ls -l` style lines: the name is what follows the time), in
 * sorted order.
 */
export function listNames(data: Buffer): string[] {
  const lsLine = /^\S{10}\s+\d+\s+\S+\s+\S+\s+\d+\s+\S+\s+\S+\s+\S+ (.+)$/;
  return listingLines(data)
    .filter((l) => !/^total \d+/.test(l))
    .map((l) => lsLine.exec(l)?.[1] ?? l)
    .sort();
}

/** LIST over PASV: the names listed (throws an explained error unless it ends with 226). */
export async function listing(ftp: FtpSocket, path = "", mode: "PASV" | "EPSV" = "PASV", host?: string): Promise<string[]> {
  return listNames(await passiveRead(ftp, path ? `LIST ${path}` : "LIST", mode, host));
}

// ---- the server run to completion (start-up errors) --------------------------------------
//
// Run it with the harness: runCli(args, { entry: targetEntry(), stopWhenListening: true }).

/**
 * The run must have stopped at start-up with exit code 2 and an error on stderr containing
 * every string (or matching every pattern) in `mentions`, e.g. the file and line. Explains
 * what happened otherwise.
 */
export function expectStartupError(run: CliRun, mentions: Array<string | RegExp>, what: string, extra = ""): void {
  const problems: string[] = [];
  if (run.listened) problems.push("the server started (printed LISTENING) instead of refusing to start");
  else if (run.timedOut) problems.push("the server neither started nor exited (killed after the time limit)");
  else if (run.code !== 2) problems.push(`exit code ${run.signal ? `signal ${run.signal}` : run.code}, expected 2 (a configuration error)`);
  const missing = mentions.filter((m) => (typeof m === "string" ? !run.stderr.includes(m) : !m.test(run.stderr)));
  if (missing.length) problems.push(`stderr does not mention ${missing.map((m) => (typeof m === "string" ? JSON.stringify(m) : String(m))).join(", ")}`);
  if (!problems.length) return;
  throw new HarnessError(
    [
      `${what}: the server must refuse to start with exit code 2 and one clear error line, but ${problems.join("; ")}.`,
      ...(extra ? [extra.trimEnd()] : []),
      describeRun(run),
      `  target:  ${targetName()}`,
    ].join("\n"),
  );
}

/** A file's text with line numbers, for failure messages about that file. */
export function numbered(label: string, text: string): string {
  const lines = text.replace(/\n$/, "").split("\n");
  return [`  ${label}:`, ...lines.map((l, i) => `    ${String(i + 1).padStart(2)} | ${l}`)].join("\n");
}

// ---- ports ---------------------------------------------------------------------------------

/**
 * Tests pick passive port ranges at random (so test files running in parallel don't collide),
 * from a seed printed in failure messages: rerun with STAGE_SEED=<seed> to get the same ports.
 */
export const SEED = (() => {
  const fromEnv = Number(process.env.STAGE_SEED);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 1 + Math.floor(Math.random() * 2 ** 31);
})();

let state = SEED >>> 0;
/** mulberry32: a tiny seeded random number generator, in [0, 1). */
function random(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

export const seedNote = () => `(ports chosen with STAGE_SEED=${SEED}; set it to rerun with the same ports)`;

/**
 * Can a server listen on this port right now? Bound the way the server will bind it (Node sets
 * SO_REUSEADDR, so a port whose last connection lingers in TIME-WAIT counts as free), on every
 * interface, so on loopback too.
 */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen({ host: "0.0.0.0", port }, () => srv.close(() => resolve(true)));
  });
}

/**
 * Where the ranges come from: below the kernel's ephemeral range (the ports outgoing connections
 * take, 32768-60999 on Linux, 49152-65535 elsewhere), so the thousands of client connections a
 * test run makes never sit on them. 40000-59000 when the machine leaves no room below.
 */
export const PORT_WINDOW: { min: number; max: number } = (() => {
  let low = 49152;
  try {
    const first = Number(fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    if (Number.isInteger(first) && first > 0) low = first;
  } catch {
    // not Linux: the IANA dynamic range
  }
  return low - 1 - 10000 >= 2000 ? { min: 10000, max: low - 1 } : { min: 40000, max: 59000 };
})();

/**
 * A range of `width` ports, all free right now. Tries up to 200 random places; a machine that
 * has none is an environment error (the grader retries the test, then says "rerun"), never the
 * code under test.
 */
export async function freeRange(width = 20): Promise<{ from: number; to: number }> {
  const { min, max } = PORT_WINDOW;
  for (let attempt = 0; attempt < 200; attempt++) {
    const from = min + Math.floor(random() * (max - min - width));
    const to = from + width - 1;
    const ports = Array.from({ length: width }, (_, i) => from + i);
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) return { from, to };
  }
  throw new Error(`environment error: freeRange: no free range of ${width} ports found in ${min}-${max} after 200 tries ${seedNote()}`);
}

/** One port that is free right now (see freeRange). */
export async function freePort(): Promise<number> {
  return (await freeRange(1)).from;
}

/** Check that a passive port lies in the range, explaining with the session otherwise. */
export function expectInRange(ftp: FtpSocket, port: number, range: { from: number; to: number }, reply: string, flag: string): void {
  if (port >= range.from && port <= range.to) return;
  failWith(
    ftp,
    `The passive port ${port} is outside the configured range ${range.from}-${range.to} (${flag}). ${seedNote()}`,
    `the reply was "${reply}"; the data port must be taken from the range (try each port of it until one is free), ` +
      `not left to the operating system (listen(0)), or a firewall forwarding only that range would block the transfer`,
  );
}

/** The first line of the last reply with this code on this connection ("" if none). */
export function lastReplyWith(ftp: FtpSocket, code: number): string {
  const prefix = `S: ${code} `;
  const found = ftp
    .transcriptText()
    .split("\n")
    .filter((l) => l.startsWith(prefix))
    .pop();
  return found ? found.slice(3) : "";
}

/** The first line of the last reply of this connection (for messages). */
export function lastReplyLine(ftp: FtpSocket): string {
  const s = ftp
    .transcriptText()
    .split("\n")
    .filter((l) => l.startsWith("S: "));
  return (s[s.length - 1] ?? "").slice(3);
}

/** Can we listen on `host` and connect to it? Returns why not, or null when it works. */
export async function loopbackProblem(host: string): Promise<string | null> {
  const srv = net.createServer((s) => {
    s.on("error", () => {});
    s.end();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      srv.once("error", reject);
      srv.listen(0, host, () => resolve());
    });
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise<void>((resolve, reject) => {
      const c = net.connect({ host, port }, () => {
        c.destroy();
        resolve();
      });
      c.once("error", reject);
      c.setTimeout(2000, () => {
        c.destroy();
        reject(new Error("connect timeout"));
      });
    });
    return null;
  } catch (err) {
    return (err as Error).message;
  } finally {
    srv.close();
  }
}

// ---- test data and times -------------------------------------------------------------------

export function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * Deterministic test content that contains every byte value, \r and \n included, so that
 * any conversion (ASCII mode, a text decoder) or truncation shows up as a difference.
 */
export function payload(size: number, seed = 1): Buffer {
  const b = Buffer.alloc(size);
  let x = (seed * 2654435761) >>> 0;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = (x >>> 16) & 0xff;
  }
  return b;
}

/** Milliseconds `fn` took, with its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: Math.round(performance.now() - t0), value };
}

/** Poll `check` every 50 ms until it returns something other than undefined; fail after `ms`. */
export { waitFor } from "../harness/wait.ts";

// ---- JSON-lines log files --------------------------------------------------------------------

export type LogEntry = Record<string, unknown>;

/**
 * Every line of a JSON-lines file, parsed. A line that is not one JSON object fails with its
 * number and text. A missing file is an empty list. An unfinished last line (no \n yet: the
 * server may be writing it right now) is left out.
 */
export function readJsonLines(file: string): LogEntry[] {
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, "utf8");
  const lines = text.split("\n");
  lines.pop(); // "" after the last \n, or a line still being written
  return lines
    .map((line, i) => ({ line, n: i + 1 }))
    .filter(({ line }) => line.trim() !== "")
    .map(({ line, n }) => {
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        v = undefined;
      }
      if (typeof v !== "object" || v === null || Array.isArray(v)) {
        throw new HarnessError(
          `Line ${n} of the log file ${file} is not one JSON object:\n    ${line.slice(0, 300)}\n` +
            `  cause:     a log file for machines has exactly one JSON object per line, like {"level":"info","msg":"login","user":"anna"}; ` +
            `no plain text, no pretty-printing over several lines.`,
        );
      }
      return v as LogEntry;
    });
}

/** The file's text, for messages. */
export function fileText(file: string): string {
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "(the file does not exist)";
}

// ---- running a real client (curl, lftp) -----------------------------------------------------

export interface ToolRun {
  /** The command line, ready to paste into a terminal. */
  command: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Set when the program could not be started at all (e.g. not installed). */
  spawnError?: string;
  stdout: Buffer;
  stderr: string;
}

/** Run a program (no shell) to its end or its time limit; never throws. */
export function runTool(file: string, args: string[], opts: { timeoutMs?: number; cwd?: string } = {}): Promise<ToolRun> {
  const command = [file, ...args].map(shellQuote).join(" ");
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: opts.timeoutMs ?? 20_000, killSignal: "SIGKILL", encoding: "buffer", maxBuffer: 64 * 1024 * 1024, ...(opts.cwd ? { cwd: opts.cwd } : {}) },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { killed?: boolean; signal?: NodeJS.Signals | null; code?: unknown }) | null;
        const spawnError = e && typeof e.code === "string" ? `${e.code}: ${e.message}${installHint(file) ? `; is it installed? ${installHint(file)}` : ""}` : undefined;
        resolve({
          command,
          code: e ? (typeof e.code === "number" ? e.code : null) : 0,
          signal: e?.signal ?? null,
          timedOut: Boolean(e?.killed),
          ...(spawnError ? { spawnError } : {}),
          stdout: Buffer.from(stdout),
          stderr: Buffer.from(stderr).toString("utf8"),
        });
      },
    );
  });
}

/** A failed client run, explained: the command to paste, how it ended, its log and the server's. */
export function toolFailure(headline: string, r: ToolRun, cause: string, stage?: StageServer): HarnessError {
  const ended = r.spawnError
    ? `could not start (${r.spawnError})`
    : r.timedOut
      ? "still running at the time limit (killed)"
      : r.signal
        ? `killed by ${r.signal}`
        : `exit code ${r.code}`;
  return new HarnessError(
    [
      headline,
      `  cause:     ${cause}`,
      `  reproduce: ${r.command}`,
      `  ended:     ${ended}`,
      `  client log (last lines):\n${indent(lastLines(r.stderr, 30))}`,
      ...(stage ? [stage.about()] : []),
    ].join("\n"),
  );
}
