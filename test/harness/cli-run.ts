// Runs the server's command line as a user would, to completion: `node --import tsx <entry> ...`
// from the repo root (entry: final/src/main.ts unless told otherwise, e.g. targetEntry() for
// $FTP_TARGET), with exit code, stdout and stderr, killed after a time limit (generous: tsx
// starts slowly on a busy machine).

import { spawn } from "node:child_process";
import path from "node:path";
import { shellQuote } from "../../tools/wire/bytes.ts";
import { DEFAULT_ENTRY, REPO_ROOT, parseListeningLine } from "../../tools/wire/server-process.ts";

function indent(text: string): string {
  return text
    .trimEnd()
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
}

export interface CliRunOptions {
  /** The main.ts to run, absolute or relative to the repo root. Default: final/src/main.ts; use targetEntry() to honour $FTP_TARGET. */
  entry?: string;
  /** Killed after this long. Default 15 s. */
  timeoutMs?: number;
  /**
   * Stop the server as soon as it prints LISTENING (it started instead of exiting), rather
   * than waiting for the time limit. Default false: it runs until it exits or times out.
   */
  stopWhenListening?: boolean;
}

export interface CliRun {
  command: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** It printed a LISTENING line, i.e. it started (with stopWhenListening it was stopped there). */
  listened: boolean;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run the server with `args` (nothing added) until it exits; killed after the time limit. */
export function runCli(args: string[], opts: CliRunOptions = {}): Promise<CliRun> {
  const entry = opts.entry === undefined ? DEFAULT_ENTRY : path.resolve(REPO_ROOT, opts.entry);
  const argv = ["--import", "tsx", entry, ...args];
  const command = [process.execPath, ...argv].map(shellQuote).join(" ");
  const started = Date.now();
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, argv, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    let listened = false;
    proc.stdout.setEncoding("utf8").on("data", (c: string) => {
      stdout += c;
      if (!listened && stdout.split("\n").some((l) => parseListeningLine(l.replace(/\r$/, "")))) {
        listened = true;
        if (opts.stopWhenListening) proc.kill("SIGKILL");
      }
    });
    proc.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill("SIGKILL");
    }, opts.timeoutMs ?? 15_000);
    proc.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ command, code, signal, timedOut, listened, stdout, stderr, ms: Date.now() - started });
    });
  });
}

export function describeRun(r: CliRun): string {
  const exit = r.timedOut
    ? `still running after the time limit (killed)`
    : r.listened && r.signal
      ? `started (printed LISTENING), then stopped (${r.signal})`
      : r.signal
        ? `signal ${r.signal}`
        : `code ${r.code}`;
  return [
    `  command: ${r.command}`,
    `  exit:    ${exit}`,
    `  stdout:\n${indent(r.stdout || "(empty)")}`,
    `  stderr:\n${indent(r.stderr || "(empty)")}`,
  ].join("\n");
}
