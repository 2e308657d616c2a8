// Runs the server's command line as a user would, to completion: `node --import tsx
// final/src/main.ts ...` from the repo root, with exit code, stdout and stderr, killed after a
// time limit (generous: tsx starts slowly on a busy machine).

import { spawn } from "node:child_process";
import { shellQuote } from "./bytes.ts";
import { DEFAULT_ENTRY, REPO_ROOT } from "./server-process.ts";

function indent(text: string): string {
  return text
    .trimEnd()
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
}

export interface CliRun {
  command: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run the server with `args` (nothing added) until it exits; killed after `timeoutMs`. */
export function runCli(args: string[], timeoutMs = 15_000): Promise<CliRun> {
  const argv = ["--import", "tsx", DEFAULT_ENTRY, ...args];
  const command = [process.execPath, ...argv].map(shellQuote).join(" ");
  const started = Date.now();
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, argv, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    proc.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    proc.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill("SIGKILL");
    }, timeoutMs);
    proc.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ command, code, signal, timedOut, stdout, stderr, ms: Date.now() - started });
    });
  });
}

export function describeRun(r: CliRun): string {
  return [
    `  command: ${r.command}`,
    `  exit:    ${r.timedOut ? `still running after the time limit (killed)` : r.signal ? `signal ${r.signal}` : `code ${r.code}`}`,
    `  stdout:\n${indent(r.stdout || "(empty)")}`,
    `  stderr:\n${indent(r.stderr || "(empty)")}`,
  ].join("\n");
}

