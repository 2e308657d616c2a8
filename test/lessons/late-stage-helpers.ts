/**
 * Small helpers shared by the stage tests of lessons 5, 6 and 7 (throttling and logging,
 * active mode, running behind a router).
 *
 * Everything here talks to the server under test only through its command line and its
 * sockets, exactly as a user would: the server is `$FTP_TARGET` (your lesson folder, a
 * solution, or final/src when unset). Every wait has a time limit, and every failure says
 * what was sent, what came back, the likely cause and how to try it by hand.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import { afterAll, beforeAll } from "vitest";
import {
  FtpSocket,
  HarnessError,
  expectCode,
  makeTempRoot,
  shellQuote,
  startServer,
  targetEntry,
  type Reply,
  type RunningServer,
  type TempRoot,
} from "../harness/index.ts";

/** Time allowed for each reply. Everything is on this machine, so 5 s is generous. */
export const REPLY_MS = 5_000;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

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

// ---- one server per describe block ---------------------------------------------------------

export interface StageSetup {
  /** Files for the served folder (relative paths; null = an empty folder). */
  files?: Record<string, string | Buffer | null>;
  /** Flags after `-i HOST -p 0 -d ROOT`; a function gets the temp folder (to name files in it). */
  args?: string[] | ((root: TempRoot) => string[]);
  /** Passed as -i. Default 127.0.0.1. */
  host?: string;
}

export interface StageServer {
  readonly root: TempRoot;
  readonly server: RunningServer;
  /** A control connection (greeting checked), closed at the end of the describe block at the latest. */
  connect(host?: string): Promise<FtpSocket>;
  /** connect() + USER/PASS, expecting 230. Default: anonymous. */
  login(user?: string, password?: string): Promise<FtpSocket>;
  /** Log in, run `fn`, and always close the connection (safe with concurrent tests). */
  session<T>(fn: (ftp: FtpSocket) => Promise<T>, user?: string, password?: string): Promise<T>;
  /** The server's command line and its recent output, for failure messages. */
  about(): string;
}

/**
 * Call inside a describe(): one server for the whole block, started in beforeAll from the
 * stage under test ($FTP_TARGET) and stopped in afterAll, with its own temp folder.
 */
export function useStageServer(setup: StageSetup = {}): StageServer {
  let root: TempRoot | undefined;
  let server: RunningServer | undefined;
  const open = new Set<FtpSocket>();

  beforeAll(async () => {
    root = makeTempRoot(setup.files ?? {});
    const args = typeof setup.args === "function" ? setup.args(root) : (setup.args ?? []);
    server = await startServer({ entry: targetEntry(), root: root.dir, host: setup.host ?? "127.0.0.1", args });
  });
  afterAll(async () => {
    for (const s of open) s.destroy();
    open.clear();
    await server?.stop();
    root?.cleanup();
  });

  const stage: StageServer = {
    get root() {
      if (!root) throw new Error("useStageServer: the temp folder is not ready (used outside a test?)");
      return root;
    },
    get server() {
      if (!server) throw new Error("useStageServer: the server did not start (see the beforeAll error above)");
      return server;
    },
    async connect(host?: string) {
      const s = stage.server;
      const dial = host ?? (s.host === "0.0.0.0" ? "127.0.0.1" : s.host === "::" ? "::1" : s.host);
      const ftp = await FtpSocket.connect(dial, s.port, { timeoutMs: REPLY_MS });
      open.add(ftp);
      void ftp.closed().then(() => open.delete(ftp));
      expectCode(ftp.greeting, 220, { sent: "", host: dial, port: s.port, why: "a new connection is greeted with 220" });
      return ftp;
    },
    async login(user = "anonymous", password = "learner@example.com") {
      const ftp = await stage.connect();
      await ftp.sendExpect(`USER ${user}`, 331, "USER is answered with 331 (password required)");
      await ftp.sendExpect(`PASS ${password}`, 230, `${user} / ${password} is a valid login on this server (${stage.server.command})`);
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

// ---- transfers -------------------------------------------------------------------------------

/** The final reply of a transfer (after 150), which must be 226. */
export async function expectTransferComplete(ftp: FtpSocket, what: string, timeoutMs = REPLY_MS): Promise<Reply> {
  const reply = await ftp.readReply(timeoutMs);
  return expectCode(reply, 226, ftp.context(`after ${what} the server closes the data connection and says 226 (transfer complete)`));
}

/** PASV (or EPSV), then `command` (RETR x, LIST ...): the data received, with 150 and 226 checked. */
export async function passiveRead(ftp: FtpSocket, command: string, mode: "PASV" | "EPSV" = "PASV"): Promise<Buffer> {
  const ds = await ftp.openPassiveData(mode);
  await ftp.sendExpect(command, [125, 150], `${command} starts a transfer over the data connection opened after ${mode}`);
  const data = await ds.readAll(REPLY_MS);
  await expectTransferComplete(ftp, command);
  return data;
}

/** PASV, then STOR `name` with `data`; 150 and 226 checked. */
export async function passiveStore(ftp: FtpSocket, name: string, data: Buffer): Promise<void> {
  const ds = await ftp.openPassiveData("PASV");
  await ftp.sendExpect(`STOR ${name}`, [125, 150], `STOR ${name} starts an upload`);
  await ds.end(data);
  await expectTransferComplete(ftp, `STOR ${name}`, 30_000);
}

/** The non-empty lines of a listing (LIST or NLST data), without their \r\n. */
export function listingLines(listing: Buffer): string[] {
  return listing
    .toString("utf8")
    .split("\n")
    .map((l) => l.replace(/\r$/, ""))
    .filter((l) => l.trim() !== "");
}

// ---- times -----------------------------------------------------------------------------------

/** Milliseconds `fn` took, with its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: Math.round(performance.now() - t0), value };
}

// ---- waiting for something -------------------------------------------------------------------

/** Poll `check` every 50 ms until it returns something other than undefined; fail after `ms`. */
export async function waitFor<T>(check: () => T | undefined, ms: number, what: () => string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new HarnessError(`Waited ${ms} ms for ${what()}`);
    await sleep(50);
  }
}

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

// ---- the loopback addresses this machine has -----------------------------------------------

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
        const spawnError = e && typeof e.code === "string" ? `${e.code}: ${e.message}` : undefined;
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
    ? `could not start (${r.spawnError}); install it (Debian/Ubuntu: sudo apt-get install curl lftp)`
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
