// A vitest reporter for the lab: instead of printing, it writes what each test did to the JSON
// file named by $LAB_REPORT_FILE (see test-results.ts), with error messages but no stack
// traces. run-tests.ts starts vitest with it:
//
//   LAB_REPORT_FILE=.lab/run.json vitest run --reporter=tools/lab/vitest-reporter.ts ...
//   -> {"version":1,"tests":[{"file":"test/lessons/01-local-authorizer.test.ts",...}],...}

import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { File, Reporter, Suite, Task } from "vitest";
import { parseMissingMarker } from "../../test/harness/tool-marker.ts";
import { cleanMessage } from "./error-text.ts";
import type { RawReport, TestOutcome, TestState } from "./test-results.ts";

interface ErrorLike {
  message?: unknown;
  name?: unknown;
  stack?: unknown;
}

function messageOf(error: unknown): string {
  if (error && typeof error === "object") {
    const e = error as ErrorLike;
    const message = typeof e.message === "string" ? e.message : "";
    const name = typeof e.name === "string" && !["Error", "HarnessError", "AssertionError"].includes(e.name) ? `${e.name}: ` : "";
    if (message) return cleanMessage(name + message);
    if (typeof e.stack === "string") return cleanMessage(e.stack);
  }
  return cleanMessage(String(error));
}

function errorsOf(task: Task | Suite | File): string[] {
  return (task.result?.errors ?? []).map(messageOf);
}

/** The first failure of a suite (or file) around this test: why a test that never ran did not. */
function enclosingFailure(task: Task): string | null {
  for (let suite: Suite | undefined = task.suite; suite; suite = suite.suite) {
    const errors = errorsOf(suite);
    if (errors.length > 0) return errors.join("\n\n");
  }
  const fileErrors = errorsOf(task.file);
  return fileErrors.length > 0 ? fileErrors.join("\n\n") : null;
}

function stateOf(task: Task): { state: TestState; message: string } {
  const result = task.result?.state;
  if (result === "pass") return { state: "pass", message: "" };
  if (result === "fail") {
    const own = errorsOf(task);
    return { state: "fail", message: own.join("\n\n") || enclosingFailure(task) || "failed (no message)" };
  }
  if (task.mode === "todo") return { state: "todo", message: "" };
  // vitest marks the tests of a suite whose beforeAll failed as skipped: they are errors here
  // (they could not run), and only a test skipped in a healthy suite counts as skipped.
  const failure = enclosingFailure(task);
  if (failure) return { state: "error", message: failure };
  if (task.mode === "skip") return { state: "skip", message: "" };
  return { state: "error", message: "did not run (the test run ended before it)" };
}

function suitesOf(task: Task): string[] {
  const names: string[] = [];
  for (let suite: Suite | undefined = task.suite; suite && suite.type === "suite" && suite !== (task.file as Suite); suite = suite.suite) {
    if (suite.name) names.unshift(suite.name);
  }
  return names;
}

/**
 * A test that needs a tool this machine lacks (test/harness/tools-available.ts marks its title,
 * or its suite's): skipped outside CI, failing in CI. Either way, for the lab, it did not test
 * the learner's code: "skip", with the tool named, whatever CI says.
 */
function missingToolOf(task: Task): string | null {
  for (let t: Task | undefined = task; t; t = t.suite) {
    const marker = parseMissingMarker(t.name);
    if (marker) return marker;
    // The IPv6 tests skip themselves where ::1 cannot be used, and say so in their title.
    if (t.mode === "skip" && /\(skipped: ::1 unusable here/.test(t.name)) return "IPv6 loopback ::1 (enable IPv6 on this machine)";
  }
  return null;
}

const withoutMarker = (name: string) => name.replace(/ \[missing tools?: [^\]]+\]/, "").replace(/ \(skipped: ::1 unusable here.*$/, "");

function collect(tasks: readonly Task[], root: string, out: TestOutcome[]): void {
  for (const task of tasks) {
    if (task.type === "suite") {
      collect(task.tasks, root, out);
      continue;
    }
    const missingTool = missingToolOf(task);
    const { state, message } = missingTool ? { state: "skip" as const, message: `not run: ${missingTool.replace(/ \(/g, " is not installed (")}` } : stateOf(task);
    out.push({
      file: path.relative(root, task.file.filepath).split(path.sep).join("/"),
      suites: suitesOf(task).map(withoutMarker),
      name: withoutMarker(task.name),
      state,
      message,
      line: task.location?.line ?? 0,
      durationMs: Math.round(task.result?.duration ?? 0),
      ...(missingTool ? { missingTool } : {}),
    });
  }
}

export default class LabReporter implements Reporter {
  private root = process.cwd();

  onInit(ctx: { config: { root: string } }): void {
    this.root = ctx.config.root;
  }

  onFinished(files: File[] = [], errors: unknown[] = []): void {
    const report: RawReport = { version: 1, tests: [], brokenFiles: [], unhandled: errors.map(messageOf) };
    for (const file of files) {
      const before = report.tests.length;
      collect(file.tasks, this.root, report.tests);
      const fileErrors = errorsOf(file);
      if (report.tests.length === before && (fileErrors.length > 0 || file.result?.state === "fail")) {
        const relative = path.relative(this.root, file.filepath).split(path.sep).join("/");
        report.brokenFiles.push({ file: relative, message: fileErrors.join("\n\n") || "the test file failed to load" });
      }
    }
    const target = process.env["LAB_REPORT_FILE"];
    if (!target) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
      return;
    }
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, JSON.stringify(report));
  }
}
