/**
 * test/harness/tools-available.ts and what reads its marker: a tool is looked up on $PATH,
 * FTP_LAB_MISSING_TOOLS pretends one is missing, a missing tool skips outside CI and fails in
 * CI; the summary reporter adds the skips up after its count line, and the lab's reporter
 * turns them into "skip" with the tool named (never a failure), whatever CI says.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { File } from "vitest";
import SummaryReporter from "../summary-reporter.ts";
import LabReporter from "../../tools/lab/vitest-reporter.ts";
import { environmentLines, type LessonResult } from "../../tools/lab/lesson-results.ts";
import type { RawReport } from "../../tools/lab/test-results.ts";
import { inCI, installLine, onPath } from "../harness/tools-available.ts";

const saved = { ...process.env };
afterEach(() => {
  for (const key of ["CI", "FTP_LAB_MISSING_TOOLS", "LAB_REPORT_FILE"]) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
  vi.resetModules();
});

/** A fake vitest file: suites and tests with names, modes and states, linked both ways. */
type Spec = { suite: string; tasks: Spec[] } | { test: string; state?: "pass" | "fail"; mode?: "run" | "skip" };
function fakeFile(specs: Spec[]): File {
  const file = { type: "suite", name: "test/x.test.ts", filepath: path.resolve("test/x.test.ts"), tasks: [] as unknown[], mode: "run", result: { state: "pass" } } as Record<string, unknown>;
  file["file"] = file;
  const build = (spec: Spec, parent: Record<string, unknown>): Record<string, unknown> => {
    const task: Record<string, unknown> =
      "suite" in spec
        ? { type: "suite", name: spec.suite, mode: "run", tasks: [] }
        : { type: "test", name: spec.test, mode: spec.mode ?? "run", ...(spec.state ? { result: { state: spec.state, errors: [] } } : {}) };
    task["suite"] = parent;
    task["file"] = file;
    if ("suite" in spec) task["tasks"] = spec.tasks.map((s) => build(s, task));
    return task;
  };
  file["tasks"] = specs.map((s) => build(s, file));
  return file as unknown as File;
}

const LFTP = " [missing tool: lftp (sudo apt-get install lftp)]";

describe("tools-available: looking a tool up", () => {
  it("finds an executable file on the given PATH, not a plain file, and null when absent", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tools-available-"));
    try {
      fs.writeFileSync(path.join(dir, "lftp"), "#!/bin/sh\n", { mode: 0o755 });
      fs.writeFileSync(path.join(dir, "curl"), "not executable\n", { mode: 0o644 });
      expect(onPath("lftp", `/nonexistent${path.delimiter}${dir}`)).toBe(path.join(dir, "lftp"));
      if (process.getuid?.() !== 0) expect(onPath("curl", dir)).toBeNull(); // root may execute anything
      expect(onPath("nope", dir)).toBeNull();
      expect(onPath("lftp", "")).toBeNull();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("CI is any value but empty, 0 or false; install lines name Debian's packages", () => {
    expect(inCI({ CI: "true" })).toBe(true);
    expect(inCI({ CI: "1" })).toBe(true);
    for (const ci of [undefined, "", "0", "false", "FALSE"]) expect(inCI(ci === undefined ? {} : { CI: ci })).toBe(false);
    expect(installLine(["lftp"])).toBe("sudo apt-get install lftp");
    expect(installLine(["pyftpdlib", "ip", "iptables"])).toBe("sudo apt-get install python3-pyftpdlib iproute2 iptables");
  });

  it("a missing tool skips outside CI and fails in CI, with the tool and its install line (FTP_LAB_MISSING_TOOLS pretends)", async () => {
    process.env["FTP_LAB_MISSING_TOOLS"] = "lftp";
    delete process.env["CI"];
    vi.resetModules();
    const fresh = await import("../harness/tools-available.ts");
    const gate = fresh.requireTools("lftp");
    expect(gate).toMatchObject({ missing: ["lftp"], skip: true, fail: false, marker: LFTP });
    expect(gate.reason).toBe("lftp is not installed (Debian/Ubuntu: sudo apt-get install lftp)");
    process.env["CI"] = "true";
    const ci = fresh.requireTools("lftp");
    expect(ci).toMatchObject({ skip: false, fail: true });
    expect(fresh.missingToolError(ci).message).toMatch(/^lftp is not installed \(Debian\/Ubuntu: sudo apt-get install lftp\)\. CI is set, so a missing tool fails the run/);
  });
});

describe("the reporters and the marker", () => {
  it("summary-reporter: the count line unchanged, then one line per missing tool and one install line", () => {
    const file = fakeFile([
      { test: "runs", state: "pass" },
      { suite: `lftp${LFTP}`, tasks: [{ test: "a", mode: "skip" }, { test: "b", mode: "skip" }] },
      { test: `curl x [missing tool: curl (sudo apt-get install curl)]`, state: "fail" },
    ]);
    const out: string[] = [];
    const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
    try {
      new SummaryReporter().onFinished([file], []);
    } finally {
      write.mockRestore();
    }
    expect(out.join("").split("\n")).toEqual([
      "",
      "1 passed, 1 failed, 2 skipped",
      "skipped because tools are missing: lftp (sudo apt-get install lftp): 2 tests (test/x.test.ts)",
      "failed because tools are missing (CI is set: a missing tool fails): curl (sudo apt-get install curl): 1 test (test/x.test.ts)",
      "to run them (Debian/Ubuntu): sudo apt-get install lftp curl",
      "",
    ]);
  });

  it("the lab's reporter: a test that needs a missing tool is 'skip' with the tool named, skipped (no CI) or failing (CI) alike", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-report-"));
    try {
      process.env["LAB_REPORT_FILE"] = path.join(dir, "r.json");
      const file = fakeFile([
        { suite: "lesson 6", tasks: [{ test: `lftp in active mode${LFTP}`, state: "fail" }, { test: "curl in active mode [missing tool: curl (sudo apt-get install curl)]", mode: "skip" }, { test: "PORT works", state: "fail" }] },
      ]);
      const reporter = new LabReporter();
      reporter.onInit({ config: { root: process.cwd() } });
      reporter.onFinished([file], []);
      const report = JSON.parse(fs.readFileSync(path.join(dir, "r.json"), "utf8")) as RawReport;
      expect(report.tests.map((t) => [t.name, t.state, t.missingTool ?? null, t.message])).toEqual([
        ["lftp in active mode", "skip", "lftp (sudo apt-get install lftp)", "not run: lftp is not installed (sudo apt-get install lftp)"],
        ["curl in active mode", "skip", "curl (sudo apt-get install curl)", "not run: curl is not installed (sudo apt-get install curl)"],
        ["PORT works", "fail", null, "failed (no message)"],
      ]);
      const results = [{ lesson: { id: 6 }, file: "x", tests: report.tests, problems: [] }] as unknown as LessonResult[];
      expect(environmentLines(results, "npm run lesson 6")).toEqual([
        "Not tested on this machine (a tool is missing; this is not about your code):",
        "  lftp (sudo apt-get install lftp): 1 test",
        "  curl (sudo apt-get install curl): 1 test",
        "Install them (sudo apt-get install lftp curl) and run `npm run lesson 6` again. Meanwhile these tests count neither for nor against you.",
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
