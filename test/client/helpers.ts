/**
 * Running tools/client as a user would (a child process, its own working folder), pyftpdlib as a
 * second server, and a pseudo-terminal for the interactive shell.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_ROOT } from "../harness/index.ts";
import { toolPath } from "../harness/tools-available.ts";

export const CLIENT_MAIN = path.join(REPO_ROOT, "tools", "client", "main.ts");
/** tsx by absolute URL: the client runs in a temp folder, where `--import tsx` would not resolve. */
const TSX = pathToFileURL(createRequire(path.join(REPO_ROOT, "package.json")).resolve("tsx")).href;

export const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

/** Deterministic bytes (no two test files alike, no compression shortcuts). */
export function bytes(seed: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 255;
  }
  return out;
}

export function clientCommand(args: string[]): string[] {
  return [process.execPath, "--import", TSX, CLIENT_MAIN, ...args];
}

const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export interface ClientRun {
  command: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface ClientOptions {
  cwd: string;
  env?: Record<string, string>;
  /** Written to stdin, which is then closed (default: nothing, closed at once). */
  input?: string;
  timeoutMs?: number;
}

/** Spawn the client; for tests that kill it half-way. */
export function spawnClient(args: string[], opts: ClientOptions): { proc: ChildProcess; command: string; done: Promise<ClientRun> } {
  const [cmd, ...rest] = clientCommand(args);
  const command = [cmd!, ...rest].map(quote).join(" ");
  const proc = spawn(cmd!, rest, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let timedOut = false;
  proc.stdout!.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  proc.stderr!.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  proc.stdin!.end(opts.input ?? "");
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, opts.timeoutMs ?? 20_000);
  const done = new Promise<ClientRun>((resolve) =>
    proc.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ command, code, signal, stdout, stderr, timedOut });
    }),
  );
  return { proc, command, done };
}

export function runClient(args: string[], opts: ClientOptions): Promise<ClientRun> {
  return spawnClient(args, opts).done;
}

/** For assertion messages: the command and everything it printed. */
export function explain(run: ClientRun, server?: { output(): string }): string {
  const indent = (t: string) => (t.trimEnd() || "(empty)").split("\n").map((l) => `    ${l}`).join("\n");
  return [
    `  command: ${run.command}`,
    `  exit: ${run.timedOut ? "timed out (killed)" : run.signal ? `signal ${run.signal}` : `code ${run.code}`}`,
    `  stdout:\n${indent(run.stdout)}`,
    `  stderr:\n${indent(run.stderr)}`,
    ...(server ? [`  server output (last 3000 characters):\n${indent(server.output().slice(-3000))}`] : []),
  ].join("\n");
}

/** Poll until `check` is true (or fail after `timeoutMs`). */
export async function waitUntil(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const fileSize = (p: string) => (fs.existsSync(p) ? fs.statSync(p).size : 0);

// ---------------------------------------------------------------- pyftpdlib

export interface PyServer {
  host: string;
  port: number;
  output(): string;
  stop(): Promise<void>;
}

/** `python3 -m pyftpdlib -i 127.0.0.1 -p 0 -d ROOT -w` (Debian's python3-pyftpdlib); it says its port on stderr. */
export function startPyftpdlib(root: string, extra: string[] = []): Promise<PyServer> {
  // The python3 that can import pyftpdlib (tools-available.ts found it; the tests skip without one).
  const python = toolPath("pyftpdlib") ?? "python3";
  const proc = spawn(python, ["-m", "pyftpdlib", "-i", "127.0.0.1", "-p", "0", "-d", root, "-w", ...extra], { stdio: ["ignore", "pipe", "pipe"], cwd: root });
  let out = "";
  const exited = new Promise<void>((resolve) => proc.once("close", () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`pyftpdlib did not start within 10 s:\n${out}`));
    }, 10_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /starting FTP server on ([\d.]+):(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          host: m[1]!,
          port: Number(m[2]),
          output: () => out,
          stop: async () => {
            proc.kill("SIGTERM");
            const killer = setTimeout(() => proc.kill("SIGKILL"), 2000);
            await exited;
            clearTimeout(killer);
          },
        });
      }
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`pyftpdlib exited before listening (is python3-pyftpdlib installed? apt install python3-pyftpdlib):\n${out}`));
    });
  });
}

// ---------------------------------------------------------------- a pseudo-terminal

/** Remove terminal control sequences: what is left is the text a person would read. */
export function stripAnsi(text: string): string {
  return text
    .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, "")
    .replace(/\x1b[78=>]/g, "")
    .replace(/\r/g, "");
}

export interface Terminal {
  /** Everything the terminal showed so far, raw (with escape sequences). */
  raw(): string;
  /** The same, without escape sequences. */
  text(): string;
  type(keys: string): void;
  /** Wait until the text shown since `from` (a text() length) matches. */
  waitFor(pattern: RegExp, from?: number, timeoutMs?: number): Promise<string>;
  close(): Promise<ClientRun>;
  done: Promise<ClientRun>;
}

/**
 * The client in a real pseudo-terminal: util-linux `script` allocates one, so the client sees
 * a TTY on stdin and stdout (raw mode, line editing, TAB). Keys go in through script's stdin.
 */
export function openTerminal(args: string[], opts: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): Terminal {
  const inner = `stty cols 120 rows 40; exec ${clientCommand(args).map(quote).join(" ")}`;
  const proc = spawn("script", ["-qfec", inner, "/dev/null"], { cwd: opts.cwd, env: { ...process.env, TERM: "xterm", ...opts.env }, stdio: ["pipe", "pipe", "pipe"] });
  let raw = "";
  let stderr = "";
  proc.stdout!.setEncoding("utf8").on("data", (c: string) => (raw += c));
  proc.stderr!.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, opts.timeoutMs ?? 25_000);
  const done = new Promise<ClientRun>((resolve) =>
    proc.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ command: `script -qfec ${quote(inner)} /dev/null`, code, signal, stdout: raw, stderr, timedOut });
    }),
  );
  const text = () => stripAnsi(raw);
  return {
    raw: () => raw,
    text,
    type: (keys) => proc.stdin!.write(keys),
    done,
    async waitFor(pattern, from = 0, timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const shown = text().slice(from);
        const m = pattern.exec(shown);
        if (m) return m[0];
        if (Date.now() > end) throw new Error(`the terminal never showed ${pattern}; it shows:\n${shown.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      proc.stdin!.end();
      const killer = setTimeout(() => proc.kill("SIGKILL"), 3000);
      const run = await done;
      clearTimeout(killer);
      return run;
    },
  };
}
