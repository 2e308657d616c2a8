// Running stage tests against one stage: a vitest child process with FTP_TARGET set, whose
// results come back through vitest-reporter.ts as data (never as vitest's screen output).
//
//   await runStageTests({ root, target: "lessons/03-masquerade",
//                         files: ["test/lessons/03-masquerade.test.ts", "test/lessons/01-local-authorizer.test.ts"],
//                         timeoutMs: 240_000 })
//   -> { tests: [{ name: "PASV announces ...", state: "fail", message: "..." }, ...], problem: null }
//
// A child process (not vitest's API in this process) keeps every run apart: its own
// environment, its own workers and servers, and a time limit that kills all of them.

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { REPO_ROOT } from "../curriculum/manifest.ts";
import { cleanMessage, clipLines } from "./error-text.ts";
import type { RawReport, TestOutcome } from "./test-results.ts";

const VITEST = path.join(REPO_ROOT, "node_modules", "vitest", "vitest.mjs");
const CONFIG = path.join(REPO_ROOT, "tools", "lab", "vitest.lab.config.ts");

export interface RunRequest {
  /** The course root: test files and the target are relative to it. */
  root: string;
  /** Test files, posix, relative to the root. */
  files: readonly string[];
  /** FTP_TARGET for the tests: "lessons/03-masquerade", "solutions/03-masquerade" or "final". */
  target: string;
  /** Per test file, another target than `target` (one run testing each lesson against its own stage). */
  targets?: Record<string, string>;
  /** The whole run is stopped after this long. */
  timeoutMs: number;
  /** Test files run at once (default 3). */
  workers?: number;
}

export interface TestRun {
  tests: TestOutcome[];
  brokenFiles: RawReport["brokenFiles"];
  unhandled: string[];
  /** Set when the run itself went wrong: vitest did not start, crashed or ran out of time. */
  problem: string | null;
  durationMs: number;
}

/** Environment for the child: ours, minus what a surrounding vitest set, plus the run's own. */
function childEnv(request: RunRequest, reportFile: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(VITEST|TINYPOOL|FTP_TARGET$|LAB_)/.test(key)) env[key] = value;
  }
  return { ...env, FTP_TARGET: request.target, LAB_REPORT_FILE: reportFile, LAB_WORKERS: String(request.workers ?? 3), LAB_TARGETS: JSON.stringify(request.targets ?? {}), FORCE_COLOR: "0" };
}

export async function runStageTests(request: RunRequest): Promise<TestRun> {
  const started = Date.now();
  const scratch = mkdtempSync(path.join(tmpdir(), "ftp-lab-run-"));
  const reportFile = path.join(scratch, "report.json");
  try {
    const outcome = await runVitest(request, reportFile);
    const durationMs = Date.now() - started;
    let report: RawReport | null = null;
    try {
      report = JSON.parse(readFileSync(reportFile, "utf8")) as RawReport;
    } catch {
      report = null;
    }
    if (outcome.timedOut) {
      const seconds = Math.round(request.timeoutMs / 1000);
      return { ...empty(durationMs), problem: `the tests did not finish within ${seconds} s and were stopped (a server that never answers?)` };
    }
    if (!report) {
      const output = clipLines(cleanMessage(outcome.output.trim()) || `vitest exited with code ${outcome.code}`, 15);
      return { ...empty(durationMs), problem: `the test runner failed before reporting:\n${output}` };
    }
    return { tests: report.tests, brokenFiles: report.brokenFiles, unhandled: report.unhandled, problem: null, durationMs };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function empty(durationMs: number): Omit<TestRun, "problem"> {
  return { tests: [], brokenFiles: [], unhandled: [], durationMs };
}

interface ChildOutcome {
  code: number | null;
  timedOut: boolean;
  output: string;
}

function runVitest(request: RunRequest, reportFile: string): Promise<ChildOutcome> {
  const argv = [VITEST, "run", ...request.files, "--root", request.root, "--config", CONFIG];
  return new Promise((resolve) => {
    // Its own process group, so that a time limit or Ctrl-C stops vitest, its workers and the
    // servers they started, all at once.
    const child = spawn(process.execPath, argv, {
      cwd: request.root,
      env: childEnv(request, reportFile),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let output = "";
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-20_000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);

    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    const onSignal = (signal: NodeJS.Signals) => {
      killGroup();
      process.kill(process.pid, signal);
    };
    const interrupted = (signal: NodeJS.Signals) => () => onSignal(signal);
    const onInt = interrupted("SIGINT");
    const onTerm = interrupted("SIGTERM");
    process.once("SIGINT", onInt);
    process.once("SIGTERM", onTerm);

    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, request.timeoutMs);

    const finish = (code: number | null) => {
      clearTimeout(timer);
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      // Servers a test left running (it should not) go with the group.
      killGroup();
      resolve({ code, timedOut, output });
    };
    child.once("error", (err) => {
      output += `\n${err.message}`;
      finish(null);
    });
    child.once("close", (code) => finish(code));
  });
}
