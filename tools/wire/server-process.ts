/**
 * Starting a server under test as a child process, exactly as a user would run it.
 *
 * The harness knows nothing about a server's insides, only the command-line contract that the
 * final server and every lesson stage share:
 *
 *   node --import tsx <entry main.ts> -i <host> -p 0 -d <root dir> [other flags...]
 *
 * Port 0 lets the OS pick a free port (tests run in parallel), so the server must tell us which
 * one it got: when ready it prints one stdout line `LISTENING <host>:<port>` (IPv6 in brackets).
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { shellQuote } from "./bytes.ts";
import { HarnessError } from "./errors.ts";

export const REPO_ROOT = path.resolve(fileURLToPath(new URL("../../", import.meta.url)));
export const DEFAULT_ENTRY = path.join(REPO_ROOT, "final", "src", "main.ts");

/**
 * The entry to test: $FTP_TARGET if set (a stage directory like `solutions/03-masquerade`,
 * meaning `<dir>/src/main.ts`, or a path to a .ts file; relative to the repo root), else the
 * final server. One stage test file can thus grade the lesson, its solution or the final server.
 */
export function targetEntry(env: NodeJS.ProcessEnv = process.env): string {
  const target = env.FTP_TARGET?.trim();
  if (!target) return DEFAULT_ENTRY;
  const abs = path.resolve(REPO_ROOT, target);
  return abs.endsWith(".ts") ? abs : path.join(abs, "src", "main.ts");
}

export interface StartServerOptions {
  /** The main.ts to run. Default: final/src/main.ts. Use targetEntry() to honour $FTP_TARGET. */
  entry?: string;
  /** Extra flags after the contract ones. */
  args?: string[];
  /** Passed as -d when given. */
  root?: string;
  /** Passed as -i. Default 127.0.0.1. */
  host?: string;
  /** Added to (not replacing) the current environment. */
  env?: Record<string, string>;
  /** How long to wait for the LISTENING line. Default 15 s (tsx compiles on first start). */
  timeoutMs?: number;
  /** Working directory. Default: the repo root (so `--import tsx` finds node_modules). */
  cwd?: string;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningServer {
  /** Host and port from the LISTENING line (host without brackets). */
  host: string;
  port: number;
  proc: ChildProcess;
  /** The command line, shell-quoted, for messages and for running it by hand. */
  command: string;
  /** stdout and stderr interleaved, as received so far. */
  output(): string;
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then SIGKILL after 2 s. Safe to call more than once. */
  stop(): Promise<ExitInfo>;
}

/** Parse `LISTENING 127.0.0.1:40123` or `LISTENING [::1]:40123`; null for any other line. */
export function parseListeningLine(line: string): { host: string; port: number } | null {
  const m = /^LISTENING (?:\[([0-9A-Za-z:.%]+)\]|([^\s[\]:]+)):(\d{1,5})\s*$/.exec(line);
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  return { host: m[1] ?? m[2]!, port };
}

/**
 * Cuts a child's output into whole lines as it arrives: feed it each chunk of text, it returns
 * the lines that chunk completed (without "\n" or "\r\n"); a partial line waits for the next.
 */
export function lineSplitter(): (chunk: string) => string[] {
  let rest = "";
  return (chunk) => {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop()!;
    return lines.map((l) => l.replace(/\r$/, ""));
  };
}

const running = new Set<RunningServer>();

/** Stop every server started by startServer that is still running (for afterAll). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
}

// If the test process dies without stopAll, don't leave servers behind.
process.once("exit", () => {
  for (const s of running) s.proc.kill("SIGKILL");
});

/** Keep at most this much output per stream (a chatty server must not eat the test's memory). */
const MAX_OUTPUT = 1 << 20;

function appendCapped(prev: string, more: string): string {
  const s = prev + more;
  return s.length > MAX_OUTPUT ? "…" + s.slice(s.length - MAX_OUTPUT) : s;
}

function indentBlock(label: string, text: string): string {
  const body = text.trimEnd();
  if (!body) return `  ${label}: (empty)`;
  return `  ${label}:\n${body
    .split("\n")
    .map((l) => "    " + l)
    .join("\n")}`;
}

export function startServer(opts: StartServerOptions = {}): Promise<RunningServer> {
  const entry = path.resolve(REPO_ROOT, opts.entry ?? DEFAULT_ENTRY);
  const host = opts.host ?? "127.0.0.1";
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const argv = ["--import", "tsx", entry, "-i", host, "-p", "0", ...(opts.root !== undefined ? ["-d", opts.root] : []), ...(opts.args ?? [])];
  const command = [process.execPath, ...argv].map(shellQuote).join(" ");

  const proc = spawn(process.execPath, argv, {
    cwd: opts.cwd ?? REPO_ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });

  let out = "";
  let stdout = "";
  let stderr = "";
  let exit: ExitInfo | null = null;
  // "close" waits for stdout/stderr to be drained too, so error messages see all the output.
  const exited = new Promise<ExitInfo>((resolve) => {
    proc.once("close", (code, signal) => {
      exit = { code, signal };
      running.delete(server);
      resolve(exit);
    });
  });

  let stopping: Promise<ExitInfo> | null = null;
  const server: RunningServer = {
    host,
    port: 0,
    proc,
    command,
    output: () => out,
    stdout: () => stdout,
    stderr: () => stderr,
    stop() {
      stopping ??= (async () => {
        if (exit) return exit;
        proc.kill("SIGTERM");
        const killer = setTimeout(() => proc.kill("SIGKILL"), 2000);
        const info = await exited;
        clearTimeout(killer);
        return info;
      })();
      return stopping;
    },
  };
  running.add(server);

  return new Promise<RunningServer>((resolve, reject) => {
    let settled = false;
    const lines = lineSplitter();
    const details = () => [`  command: ${command}`, indentBlock("stdout", stdout), indentBlock("stderr", stderr)].join("\n");
    const fail = (head: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new HarnessError(`${head}\n${details()}`));
    };

    const timer = setTimeout(() => {
      fail(`Server did not print "LISTENING <host>:<port>" within ${timeoutMs} ms (it has been stopped).`);
      proc.kill("SIGKILL");
    }, timeoutMs);

    proc.stdout.setEncoding("utf8");
    proc.stderr.setEncoding("utf8");
    proc.stdout.on("data", (chunk: string) => {
      stdout = appendCapped(stdout, chunk);
      out = appendCapped(out, chunk);
      if (settled) return;
      for (const line of lines(chunk)) {
        const l = parseListeningLine(line);
        if (l) {
          settled = true;
          clearTimeout(timer);
          server.host = l.host;
          server.port = l.port;
          resolve(server);
          return;
        }
      }
    });
    proc.stderr.on("data", (chunk: string) => {
      stderr = appendCapped(stderr, chunk);
      out = appendCapped(out, chunk);
    });
    proc.once("error", (err) => fail(`Could not start the server: ${err.message}.`));
    void exited.then((info) =>
      fail(
        `Server exited before printing "LISTENING <host>:<port>" (${info.signal ? `signal ${info.signal}` : `exit code ${info.code}`}).`,
      ),
    );
  });
}
