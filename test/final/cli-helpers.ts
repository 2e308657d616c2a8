/**
 * Running the server's command line as a user would: `node --import tsx final/src/main.ts ...`
 * from the repo root, collecting exit code, stdout and stderr, with a hard time limit.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { REPO_ROOT } from "../harness/index.ts";

export const ENTRY = path.join("final", "src", "main.ts");

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the process had to be killed because it did not exit in time. */
  timedOut: boolean;
  command: string;
}

/** Runs the CLI to completion (killing it after `timeoutMs`; generous, as tsx starts slowly on a busy machine). */
export function runCli(args: string[], timeoutMs = 20_000): Promise<CliRun> {
  const command = ["node", "--import", "tsx", ENTRY, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`)).join(" ");
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ["--import", "tsx", ENTRY, ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
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
      resolve({ code, signal, stdout, stderr, timedOut, command });
    });
  });
}

/** A readable summary of a run for assertion messages. */
export function describeRun(r: CliRun): string {
  return [
    `  command: ${r.command}`,
    `  exit:    ${r.timedOut ? "did not exit (killed)" : r.signal ? `signal ${r.signal}` : `code ${r.code}`}`,
    `  stdout:  ${JSON.stringify(r.stdout.slice(0, 600))}`,
    `  stderr:  ${JSON.stringify(r.stderr.slice(0, 600))}`,
  ].join("\n");
}
