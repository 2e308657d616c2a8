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
 * When a check fails, the message says what was sent, what came back, the likely cause, and a
 * `printf ... | nc` line to replay the session by hand against a server you started yourself.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import { afterAll, afterEach, beforeAll } from "vitest";
import {
  FtpSocket,
  HarnessError,
  REPO_ROOT,
  expectCode,
  makeTempRoot,
  parseListeningLine,
  reproLine,
  shellQuote,
  startServer,
  targetEntry,
  type FtpSocketOptions,
  type Reply,
  type RunningServer,
  type TempRoot,
} from "../harness/index.ts";

/** Time allowed for each reply: everything is on this machine, so 10 s is plenty. */
export const REPLY_MS = 10_000;

/** Which server is being tested, for failure messages. */
export function targetName(): string {
  return process.env.FTP_TARGET?.trim() || "final";
}

function indent(text: string, by = "    "): string {
  return text
    .trimEnd()
    .split("\n")
    .map((l) => by + l)
    .join("\n");
}

// ---- one server per describe -------------------------------------------------------------

export interface StageServerSetup {
  /** Files of the temp folder (relative paths; null = an empty folder). */
  files?: Record<string, string | Buffer | null>;
  /** Extra flags; a function gets the temp folder (to name homes and files inside it). */
  args?: string[] | ((root: TempRoot) => string[] | Promise<string[]>);
  /** Pass `-d <temp folder>` (default true). */
  serveRoot?: boolean;
  /** Passed as -i (default 127.0.0.1). Clients always connect over loopback. */
  listen?: string;
}

export interface StageServer {
  readonly root: TempRoot;
  readonly server: RunningServer;
  /** Where clients connect: the LISTENING address, or 127.0.0.1 when listening on 0.0.0.0. */
  readonly host: string;
  readonly port: number;
  /** A raw control connection (closed automatically after each test). */
  connect(opts?: FtpSocketOptions): Promise<FtpSocket>;
  /** connect() + USER/PASS, expecting 331 then 230. */
  login(user: string, password: string, opts?: FtpSocketOptions): Promise<FtpSocket>;
}

/**
 * Call inside a describe(): starts one server for the block (beforeAll) and stops it at the
 * end (afterAll). Wrong passwords are answered at once (--auth-failed-delay 0).
 */
export function useStageServer(setup: StageServerSetup = {}): StageServer {
  let root: TempRoot | undefined;
  let server: RunningServer | undefined;
  let flags = "";
  let startError: Error | undefined;
  const open: FtpSocket[] = [];

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
      // Not thrown here: a failing beforeAll makes vitest report every test as "skipped",
      // which reads like nothing is wrong. Each test fails with this message instead.
      startError = err instanceof Error ? err : new Error(String(err));
      startError.message = `[target: ${targetName()}] the server did not start, so this requirement cannot be checked:\n${startError.message}`;
    }
  });
  afterEach(() => {
    for (const s of open.splice(0)) s.destroy();
  });
  afterAll(async () => {
    for (const s of open.splice(0)) s.destroy();
    await server?.stop();
    root?.cleanup();
  });

  const ctx: StageServer = {
    get root() {
      if (startError) throw startError;
      if (!root) throw new Error("useStageServer: the temp folder is not ready (did the server start?)");
      return root;
    },
    get server() {
      if (startError) throw startError;
      if (!server) throw new Error("useStageServer: the server did not start (see the beforeAll error above)");
      return server;
    },
    get host() {
      const h = ctx.server.host;
      return h === "0.0.0.0" ? "127.0.0.1" : h === "::" ? "::1" : h;
    },
    get port() {
      return ctx.server.port;
    },
    async connect(opts = {}) {
      const ftp = await FtpSocket.connect(ctx.host, ctx.port, { timeoutMs: REPLY_MS, ...opts });
      open.push(ftp);
      expectCode(ftp.greeting, 220, ftp.context("a new connection must be greeted with 220 (service ready)"));
      return ftp;
    },
    async login(user, password, opts = {}) {
      const ftp = await ctx.connect(opts);
      await loginOn(ftp, user, password, flags);
      return ftp;
    },
  };
  return ctx;
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
  const data = await ds.readAll();
  const final = expectCode(await ftp.readReply(), 226, ftp.context(`${command} must end with 226 once everything was sent and the data connection closed`));
  return { first, final, data };
}

/**
 * PASV (or EPSV), then an upload command (STOR, APPE): sends `data` and closes the data
 * connection (that is how a client marks the end). A refusal is returned, not thrown.
 */
export async function upload(ftp: FtpSocket, command: string, data: string | Buffer, mode: "PASV" | "EPSV" = "PASV"): Promise<Transfer> {
  await binary(ftp);
  const ds = await ftp.openPassiveData(mode);
  const first = await ftp.send(command);
  if (first.code >= 400) {
    ds.destroy();
    return { first, final: first, data: Buffer.alloc(0) };
  }
  expectCode(first, [125, 150], ftp.context(`${command} must say 150 (or 125) before reading the data connection`));
  await ds.end(typeof data === "string" ? Buffer.from(data, "utf8") : data);
  const final = expectCode(await ftp.readReply(), 226, ftp.context(`${command} must end with 226 once the upload is on disk`));
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

/**
 * The names in a LIST reply (Unix `ls -l` style lines: the name is what follows the time), in
 * sorted order.
 */
export function listNames(data: Buffer): string[] {
  const lsLine = /^\S{10}\s+\d+\s+\S+\s+\S+\s+\d+\s+\S+\s+\S+\s+\S+ (.+)$/;
  return data
    .toString("utf8")
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "" && !/^total \d+/.test(l))
    .map((l) => lsLine.exec(l)?.[1] ?? l)
    .sort();
}

/** LIST over PASV: the names listed (throws an explained error unless it ends with 226). */
export async function listing(ftp: FtpSocket, path = "", mode: "PASV" | "EPSV" = "PASV", host?: string): Promise<string[]> {
  const cmd = path ? `LIST ${path}` : "LIST";
  const t = await download(ftp, cmd, mode, host);
  expectAllowed(ftp, t, `${cmd} must be allowed here`);
  return listNames(t.data);
}

// ---- the server run to completion (for start-up errors) ----------------------------------

export interface StageRun {
  command: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The server printed LISTENING (it started instead of refusing) and was stopped. */
  listened: boolean;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/**
 * Run the target server with `args` (nothing added) until it exits. If it prints LISTENING it
 * started after all: it is stopped and `listened` is set. Killed after `timeoutMs`.
 */
export function runStage(args: string[], timeoutMs = 15_000): Promise<StageRun> {
  const argv = ["--import", "tsx", targetEntry(), ...args];
  const command = [process.execPath, ...argv].map(shellQuote).join(" ");
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, argv, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let listened = false;
    let timedOut = false;
    proc.stdout.setEncoding("utf8").on("data", (c: string) => {
      stdout += c;
      if (!listened && stdout.split("\n").some((l) => parseListeningLine(l.replace(/\r$/, "")))) {
        listened = true;
        proc.kill("SIGKILL");
      }
    });
    proc.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill("SIGKILL");
    }, timeoutMs);
    proc.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ command, code, signal, listened, timedOut, stdout, stderr });
    });
  });
}

/**
 * The run must have stopped at start-up with exit code 2 and an error on stderr containing
 * every string (or matching every pattern) in `mentions`, e.g. the file and line. Explains
 * what happened otherwise.
 */
export function expectStartupError(run: StageRun, mentions: Array<string | RegExp>, what: string, extra = ""): void {
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
      `  command:   ${run.command}`,
      `  stdout:\n${indent(run.stdout || "(empty)")}`,
      `  stderr:\n${indent(run.stderr || "(empty)")}`,
      `  target:    ${targetName()}`,
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

/** Can we listen on this port right now (on every interface, so on loopback too)? */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen({ host: "0.0.0.0", port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

const PORT_MIN = 40000;
const PORT_MAX = 59000;

/** A range of `width` ports within 40000-59000, all free right now. */
export async function freeRange(width = 20): Promise<{ from: number; to: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const from = PORT_MIN + Math.floor(random() * (PORT_MAX - PORT_MIN - width));
    const to = from + width - 1;
    const ports = Array.from({ length: width }, (_, i) => from + i);
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) return { from, to };
  }
  throw new Error(`freeRange: no free range of ${width} ports found ${seedNote()}`);
}

/** One port within 40000-59000 that is free right now. */
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
