/**
 * `npm run grade` on the fixture course: results.json in GitHub Classroom's shape, JUnit XML,
 * the closing `N passed, N failed` line and the exit code, against the kit workspace, a
 * workspace that has done lesson 1, the solutions and a broken stage. The vitest child and the CLI are real processes.
 */
import { cpSync, existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClassroomResult } from "../../tools/lab/classroom-results.ts";
import { lab, labProcess, makeFixture, type Fixture } from "./fixture-course.ts";

let fixture: Fixture;
beforeAll(async () => {
  fixture = await makeFixture();
});
afterAll(() => fixture.remove());

const readResults = (dir: string) => JSON.parse(readFileSync(path.join(dir, "results.json"), "utf8")) as ClassroomResult;

describe("grade as a command-line process", () => {
  it("grades the learner's workspace: the untouched kit scores 0 on every lesson, the closing line, exit code 1", async () => {
    const out = path.join(fixture.root, "out-kit");
    const run = await labProcess(fixture.root, ["grade", "--lesson", "2", "--out", out]);
    expect(run.code, run.stderr).toBe(1);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[lines.length - 1], run.stdout).toBe("1 passed, 3 failed");
    expect(run.stdout).toContain("Grading lessons 1-2 against workspace/src");
    const results = readResults(out);
    expect(results).toMatchObject({ version: 1, status: "fail", max_score: 15 });
    expect(results.tests.map((t) => [t.name, t.status, t.score, t.max_score])).toEqual([
      ["lesson 1: greets with one", "fail", 0, 10],
      // Passes on the kit: a guard, worth nothing of its own.
      ["lesson 1: has a list of parts", "pass", 0, 0],
      ["lesson 2: greets with two", "fail", 0, 2.5],
      ["lesson 2: says one before two", "fail", 0, 2.5],
    ]);
  });

  it("grades a workspace that has done lesson 1: partial credit, per test, and the failure explained", async () => {
    const kit = path.join(fixture.root, "workspace", "src");
    const saved = path.join(fixture.root, "kit-saved");
    cpSync(kit, saved, { recursive: true });
    rmSync(kit, { recursive: true, force: true });
    cpSync(path.join(fixture.root, "solutions", "01-one", "src"), kit, { recursive: true });
    try {
      const out = path.join(fixture.root, "out-half");
      const run = await labProcess(fixture.root, ["grade", "--lesson", "2", "--out", out]);
      expect(run.code, run.stderr).toBe(1);
      const lines = run.stdout.trimEnd().split("\n");
      expect(lines[lines.length - 1], run.stdout).toBe("2 passed, 2 failed");
      const results = readResults(out);
      expect(results).toMatchObject({ version: 1, status: "fail", max_score: 15 });
      expect(results.tests.map((t) => [t.name, t.status, t.score, t.max_score])).toEqual([
        ["lesson 1: greets with one", "pass", 10, 10],
        ["lesson 1: has a list of parts", "pass", 0, 0],
        ["lesson 2: greets with two", "fail", 0, 2.5],
        ["lesson 2: says one before two", "fail", 0, 2.5],
      ]);
      for (const test of results.tests) {
        expect(Object.keys(test).sort()).toEqual(["duration", "filename", "line_no", "max_score", "message", "name", "score", "status", "test_code"]);
        expect(test.line_no).toBeGreaterThan(0);
      }
      const failed = results.tests.find((t) => t.status === "fail")!;
      expect(failed.filename).toBe("test/lessons/02-two.test.ts");
      expect(failed.message).toContain("the greeting should say two");
      expect(failed.message).not.toMatch(/^\s+at /m);
    } finally {
      rmSync(kit, { recursive: true, force: true });
      cpSync(saved, kit, { recursive: true });
      rmSync(saved, { recursive: true, force: true });
    }
  });

  it("grades the solutions with full marks and exit code 0", async () => {
    const out = path.join(fixture.root, "out-solution");
    const run = await labProcess(fixture.root, ["grade", "--lesson", "2", "--target", "solutions", "--out", out]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout.trimEnd().split("\n").pop()).toBe("4 passed, 0 failed");
    const results = readResults(out);
    expect(results.status).toBe("pass");
    expect(results.tests.reduce((sum, t) => sum + t.score, 0)).toBe(15);
  });

  it("refuses a bad --target with one line and exit code 2", async () => {
    const target = await labProcess(fixture.root, ["grade", "--lesson", "1", "--target", "mine"]);
    expect(target.code).toBe(2);
    expect(target.stderr).toContain('--target "mine": use workspace, solutions or final');
  });
});

describe("grade in-process", () => {
  it("writes JUnit XML with one suite per lesson and escaped failure messages", async () => {
    const out = path.join(fixture.root, "out-junit");
    const { code } = await lab(fixture.root, ["grade", "--lesson", "1", "--out", out]);
    expect(code).toBe(1);
    const xml = readFileSync(path.join(out, "junit.xml"), "utf8");
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
    expect(xml).toContain('<testsuite name="lesson 1: Say one" tests="2" failures="1" errors="0"');
    expect(xml.match(/<testcase /g)).toHaveLength(2);
    expect(xml.match(/<failure /g)).toHaveLength(1);
    // The test's message has quotes, & and <more>: all escaped, in the attribute and the text.
    expect(xml).toContain("the greeting should say &quot;one&quot; &amp; &lt;more&gt;");
    expect(xml).not.toContain("<more>");
    expect(xml.trimEnd().endsWith("</testsuites>")).toBe(true);
  });

  it("grades final/src with --target final", async () => {
    const out = path.join(fixture.root, "out-final");
    const { code, io } = await lab(fixture.root, ["grade", "--lesson", "2", "--target", "final", "--out", out]);
    expect(code, io.text()).toBe(0);
    expect(io.lines[0]).toBe("Grading lessons 1-2 against final/src");
  });

  it("scores 0 with an error entry when the stage has no server, and still writes both files", async () => {
    const out = path.join(fixture.root, "out-broken");
    rmSync(path.join(fixture.root, "solutions/01-one"), { recursive: true, force: true });
    const { code, io } = await lab(fixture.root, ["grade", "--lesson", "1", "--target", "solutions", "--out", out]);
    expect(code).toBe(1);
    // The lesson's requirement and its guard did not run (failed), and the problem says why.
    expect(io.lines[io.lines.length - 1]).toBe("0 passed, 3 failed");
    const results = readResults(out);
    expect(results.status).toBe("error");
    expect(results.tests).toEqual([
      expect.objectContaining({ name: "lesson 1: greets with one", status: "fail", score: 0, max_score: 10 }),
      expect.objectContaining({ name: "lesson 1: has a list of parts", status: "fail", score: 0, max_score: 0 }),
      expect.objectContaining({ name: "lesson 1: could not be tested", status: "error", score: 0, max_score: 0 }),
    ]);
    expect(results.tests[2]!.message).toContain("solutions/01-one/src/main.ts does not exist");
    expect(results.tests[0]!.message).toContain("did not run: solutions/01-one/src/main.ts does not exist");
    expect(existsSync(path.join(out, "junit.xml"))).toBe(true);
    expect(readFileSync(path.join(out, "junit.xml"), "utf8")).toContain("<error ");
  });
});
