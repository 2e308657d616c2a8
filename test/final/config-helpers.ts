/**
 * Shared pieces of the operator-feature suite (test/final/config-*.test.ts): a server started
 * with a config file written to a temp folder, a raw control connection that can choose its
 * source address (127.0.0.1 or 127.0.0.2: on Linux all of 127.0.0.0/8 is loopback), the server
 * run to completion for bad configs, and small waiting/reading helpers for log files.
 *
 * Everything here only talks to loopback addresses, and everything has a timeout.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import {
  DEFAULT_ENTRY,
  FtpSocket,
  HarnessError,
  REPO_ROOT,
  ReplyParser,
  escapeBytes,
  expectCode,
  isLoopback,
  makeTempRoot,
  parseListeningLine,
  parsePasv,
  shellQuote,
  startServer,
  type Reply,
  type RunningServer,
  type TempRoot,
} from "../harness/index.ts";

/** Time allowed for each reply: everything is local, so 5 s is generous even on a busy CI. */
export const REPLY_MS = 5_000;

export { sleep } from "../harness/index.ts";

/** 1-based number of the first line of `text` containing `needle` (to point at a line in a config). */
export function lineOf(text: string, needle: string): number {
  const i = text.split("\n").findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`lineOf: ${JSON.stringify(needle)} is not in the text`);
  return i + 1;
}

// ---- a server with a config file ----------------------------------------------------------

export interface ConfiguredServer {
  server: RunningServer;
  /** The temp folder holding ftpd.ini and the fixture files. */
  root: TempRoot;
  /** Absolute path of the config file. */
  config: string;
  /** stderr plus the config, for failure messages. */
  describe(): string;
}

/**
 * Write `ini` as <temp>/ftpd.ini next to `files` (relative paths; null = folder) and start the
 * server with `--config <that file>` plus `args` (startServer itself adds -i 127.0.0.1 -p 0).
 */
export async function startWithConfig(ini: string, files: Record<string, string | Buffer | null> = {}, args: string[] = []): Promise<ConfiguredServer> {
  const root = makeTempRoot({ ...files, "ftpd.ini": ini });
  const config = root.path("ftpd.ini");
  let server: RunningServer;
  try {
    server = await startServer({ args: ["--config", config, ...args] });
  } catch (err) {
    root.cleanup();
    if (err instanceof Error) err.message += `\n  ftpd.ini:\n${indent(ini)}`;
    throw err;
  }
  return {
    server,
    root,
    config,
    describe: () => `  command: ${server.command}\n  ftpd.ini:\n${indent(ini)}\n  server stderr:\n${indent(server.stderr() || "(empty)")}`,
  };
}

/** Start, run `fn`, and always stop the server and remove its temp folder. */
export async function withConfig<T>(
  ini: string,
  files: Record<string, string | Buffer | null>,
  fn: (s: ConfiguredServer) => Promise<T>,
  args: string[] = [],
): Promise<T> {
  const s = await startWithConfig(ini, files, args);
  try {
    return await fn(s);
  } finally {
    await s.server.stop();
    s.root.cleanup();
  }
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split("\n")
    .map((l) => "    " + l)
    .join("\n");
}

// ---- a raw control connection from a chosen address ---------------------------------------

export interface CtlOptions {
  /** Where to connect. Default 127.0.0.1. */
  host?: string;
  /** Source address (localAddress of net.connect), e.g. 127.0.0.2. Default: the OS's choice. */
  from?: string;
  timeoutMs?: number;
}

/**
 * A minimal FTP control connection that can pick its source address (the harness's FtpSocket
 * cannot). Replies are parsed with the harness's strict ReplyParser; every failure message
 * carries the dialogue so far.
 */
export class Ctl {
  greeting!: Reply;
  readonly from: string;
  private readonly parser = new ReplyParser();
  private readonly queue: Reply[] = [];
  private readonly waiters: Array<{ resolve: (r: Reply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }> = [];
  private ended: string | null = null;
  private readonly dialogue: string[] = [];
  private readonly closedP: Promise<void>;

  private constructor(
    private readonly sock: net.Socket,
    readonly host: string,
    readonly port: number,
    from: string | undefined,
    readonly timeoutMs: number,
  ) {
    this.from = from ?? "(any)";
    sock.setNoDelay(true);
    sock.on("data", (chunk: Buffer) => {
      const { replies, error } = this.parser.push(chunk);
      for (const r of replies) this.dialogue.push(`S: ${escapeBytes(r.raw)}`);
      this.queue.push(...replies);
      if (error) this.end(`malformed reply: ${error}`);
      this.deliver();
    });
    sock.on("error", (err: NodeJS.ErrnoException) => this.end(`socket error ${err.code ?? err.message}`));
    this.closedP = new Promise((resolve) =>
      sock.once("close", () => {
        this.dialogue.push("S: (connection closed)");
        this.end(`connection closed by the server; ${this.parser.describePartial()}`);
        resolve();
      }),
    );
  }

  static async connect(port: number, opts: CtlOptions = {}): Promise<Ctl> {
    const host = opts.host ?? "127.0.0.1";
    if (!isLoopback(host) || (opts.from !== undefined && !isLoopback(opts.from))) {
      throw new Error(`Ctl.connect: ${opts.from ?? ""} -> ${host} is not loopback`);
    }
    const sock = net.connect({ host, port, ...(opts.from ? { localAddress: opts.from } : {}) });
    const ctl = new Ctl(sock, host, port, opts.from, opts.timeoutMs ?? REPLY_MS);
    try {
      ctl.greeting = await ctl.next(ctl.timeoutMs, "the greeting");
    } catch (err) {
      ctl.destroy();
      throw err;
    }
    return ctl;
  }

  private end(why: string): void {
    this.ended ??= why;
    this.deliver();
  }

  private deliver(): void {
    while (this.waiters.length && this.queue.length) {
      const w = this.waiters.shift()!;
      clearTimeout(w.timer);
      w.resolve(this.queue.shift()!);
    }
    if (this.ended && !this.queue.length) {
      for (const w of this.waiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(new HarnessError(`${this.ended}.\n${this.transcript()}`));
      }
    }
  }

  /** The dialogue so far, for failure messages. */
  transcript(): string {
    return [`  control connection ${this.from} -> ${this.host}:${this.port}:`, ...this.dialogue.slice(-14).map((l) => "    " + l)].join("\n");
  }

  /** The next reply, whatever it is. */
  next(timeoutMs = this.timeoutMs, what = "the next reply"): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.findIndex((w) => w.timer === timer);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new HarnessError(`No complete reply (${what}) within ${timeoutMs} ms; ${this.parser.describePartial()}.\n${this.transcript()}`));
      }, timeoutMs);
      this.waiters.push({ resolve, reject, timer });
      this.deliver();
    });
  }

  send(line: string, timeoutMs = this.timeoutMs): Promise<Reply> {
    this.dialogue.push(`C: ${line}`);
    if (!this.sock.destroyed) this.sock.write(line + "\r\n");
    return this.next(timeoutMs, `reply to "${line}"`);
  }

  /** Check a reply's code (and optionally that its text contains `text`), explaining a mismatch. */
  check(reply: Reply, code: number, why: string, text?: string): Reply {
    if (reply.code !== code || (text !== undefined && !reply.text.includes(text))) {
      throw new HarnessError(
        [
          `Expected ${code}${text !== undefined ? ` with text containing ${JSON.stringify(text)}` : ""}: ${why}.`,
          `  received:  ${escapeBytes(reply.raw)}`,
          this.transcript(),
        ].join("\n"),
      );
    }
    return reply;
  }

  async expect(line: string, code: number, why: string, text?: string): Promise<Reply> {
    return this.check(await this.send(line), code, why, text);
  }

  async login(user: string, password: string): Promise<Reply> {
    await this.expect(`USER ${user}`, 331, "USER is answered with 331");
    return this.expect(`PASS ${password}`, 230, `${user}/${password} is a valid login`);
  }

  /** Resolves when the server has closed the connection; rejects after `ms`. */
  async expectClosed(ms: number, why: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HarnessError(`The server did not close the connection within ${ms} ms (${why}).\n${this.transcript()}`)), ms);
    });
    try {
      await Promise.race([this.closedP, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  get isClosed(): boolean {
    return this.ended !== null || this.sock.destroyed;
  }

  destroy(): void {
    this.sock.destroy();
  }
}

/** PASV and parse the 227 reply; the address is returned as announced (never connected to). */
export async function pasvAddress(ctl: Ctl): Promise<{ host: string; port: number; reply: Reply }> {
  const reply = await ctl.expect("PASV", 227, "PASV is answered with 227 (h1,h2,h3,h4,p1,p2)");
  const hp = parsePasv(reply);
  if ("error" in hp) throw new HarnessError(`Malformed 227: ${hp.error}\n${ctl.transcript()}`);
  return { ...hp, reply };
}

/** Connect with FtpSocket, check 220, log in. */
export async function ftpLogin(server: RunningServer, user: string, password: string): Promise<FtpSocket> {
  const ftp = await FtpSocket.connect(server.host, server.port, { timeoutMs: REPLY_MS });
  try {
    expectCode(ftp.greeting, 220, { sent: "", host: server.host, port: server.port, why: "a new connection is greeted with 220" });
    await ftp.sendExpect(`USER ${user}`, 331, "USER is answered with 331");
    await ftp.sendExpect(`PASS ${password}`, 230, `${user}/${password} is a valid login for this config`);
  } catch (err) {
    ftp.destroy();
    throw err;
  }
  return ftp;
}

/** STOR over PASV: returns the final reply (226 on success, or the refusal). */
export async function store(ftp: FtpSocket, name: string, data: Buffer): Promise<Reply> {
  await ftp.sendExpect("TYPE I", 200, "TYPE I sets binary mode");
  const ds = await ftp.openPassiveData("PASV");
  const first = await ftp.send(`STOR ${name}`);
  if (first.code !== 150 && first.code !== 125) {
    ds.destroy();
    return first;
  }
  await ds.end(data);
  return ftp.readReply(30_000);
}

/** RETR over PASV: the bytes and the final reply. */
export async function retrieve(ftp: FtpSocket, name: string): Promise<{ data: Buffer; final: Reply }> {
  await ftp.sendExpect("TYPE I", 200, "TYPE I sets binary mode");
  const ds = await ftp.openPassiveData("PASV");
  await ftp.sendExpect(`RETR ${name}`, [125, 150], `RETR ${name} starts a download`);
  const data = await ds.readAll(REPLY_MS);
  const final = await ftp.readReply(30_000);
  return { data, final };
}

// ---- running the program to completion ----------------------------------------------------

// Running the CLI to completion lives in the harness (shared with cli-helpers.ts).
export { runCli, describeRun, type CliRun } from "../harness/cli-run.ts";
import { describeRun, runCli, type CliRun } from "../harness/cli-run.ts";

export interface ConfigErrorExpectation {
  /** What the stderr line must start with after "ftpd: error: ", e.g. "/tmp/x/ftpd.ini:3:". */
  where: string;
  /** Pieces the message must contain (what is wrong, the suggested fix). */
  mentions: string[];
}

/**
 * A refused configuration: exit code 2, no LISTENING line, and exactly one line on stderr,
 * "ftpd: error: FILE:LINE: problem (fix: ...)".
 */
export function expectConfigError(r: CliRun, exp: ConfigErrorExpectation): void {
  const problems: string[] = [];
  if (r.timedOut) problems.push("the server did not exit (a bad config must stop it before it starts)");
  else if (r.code !== 2) problems.push(`exit code ${r.signal ? `signal ${r.signal}` : r.code}, expected 2`);
  if (/^LISTENING /m.test(r.stdout)) problems.push("it printed LISTENING: it started although the config is bad (half-configured)");
  const lines = r.stderr.split("\n").filter((l, i, all) => !(l === "" && i === all.length - 1));
  if (lines.length !== 1) problems.push(`stderr has ${lines.length} lines, expected exactly 1`);
  else {
    const line = lines[0]!;
    if (!r.stderr.endsWith("\n")) problems.push("the stderr line does not end with a newline");
    const body = line.replace(/^ftpd: error: /, "");
    if (body === line) problems.push(`the line does not start with "ftpd: error: "`);
    if (!body.startsWith(exp.where)) problems.push(`the message does not start with ${JSON.stringify(exp.where)} (the file and line to fix)`);
    for (const m of exp.mentions) if (!line.includes(m)) problems.push(`the message does not mention ${JSON.stringify(m)}`);
  }
  if (problems.length) {
    throw new HarnessError(`Bad config not reported as expected:\n${problems.map((p) => `  - ${p}`).join("\n")}\n${describeRun(r)}`);
  }
}

/**
 * Start the server with exactly `args` (no -i added, unlike startServer) and wait for its
 * LISTENING line. For testing `listen` from the config file.
 */
export function spawnListening(args: string[], timeoutMs = 15_000): Promise<{ host: string; port: number; output: () => string; stop: () => Promise<void> }> {
  const argv = ["--import", "tsx", DEFAULT_ENTRY, ...args];
  const command = [process.execPath, ...argv].map(shellQuote).join(" ");
  const proc = spawn(process.execPath, argv, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const exited = new Promise<void>((resolve) => proc.once("close", () => resolve()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
    const killer = setTimeout(() => proc.kill("SIGKILL"), 2000);
    await exited;
    clearTimeout(killer);
  };
  process.once("exit", () => proc.kill("SIGKILL"));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new HarnessError(`No LISTENING line within ${timeoutMs} ms.\n  command: ${command}\n  output:\n${indent(out)}`));
    }, timeoutMs);
    proc.stderr.setEncoding("utf8").on("data", (c: string) => (out += c));
    let stdout = "";
    proc.stdout.setEncoding("utf8").on("data", (c: string) => {
      out += c;
      stdout += c;
      // Complete lines only: a half-received "LISTENING 127.0.0.2:4" is not port 4.
      for (const line of stdout.split("\n").slice(0, -1)) {
        const l = parseListeningLine(line);
        if (l) {
          clearTimeout(timer);
          resolve({ ...l, output: () => out, stop });
          return;
        }
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new HarnessError(`The server exited before LISTENING.\n  command: ${command}\n  output:\n${indent(out)}`));
    });
  });
}

// ---- log files ----------------------------------------------------------------------------

export type LogEntry = Record<string, unknown> & { level: string; msg: string; time: string };

/** Every line of a JSON-lines log file, parsed; a line that is not JSON fails with its text. */
export function readJsonLog(file: string): LogEntry[] {
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, "utf8");
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l, i) => {
      try {
        return JSON.parse(l) as LogEntry;
      } catch {
        throw new HarnessError(`Log file ${file}, line ${i + 1} is not one JSON object: ${escapeBytes(l)}`);
      }
    });
}

/** Poll `check` (every 50 ms) until it returns a value other than undefined; fail after `ms`. */
export { waitFor } from "../harness/wait.ts";
