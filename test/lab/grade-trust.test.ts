/**
 * Grades a teacher can trust (issue 20), on the fixture course:
 * - an edited graded file (it( turned into it.skip() is refused, exit 3, naming the file;
 * - a known test that did not run (skipped, todo, filtered out) counts as failed;
 * - guards (tests the untouched starter passes) carry no points: untouched starters score 0;
 * - `grade` with no lesson named grades every lesson in one run, one results.json per lesson;
 * - a failure the machine causes (no free port) is retried once, then exit 4 "environment error".
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseManifest } from "../../tools/curriculum/manifest.ts";
import type { ClassroomResult } from "../../tools/lab/classroom-results.ts";
import { gradeRun } from "../../tools/lab/graded-tests.ts";
import type { TestOutcome } from "../../tools/lab/test-results.ts";
import { lab, labProcess, makeFixture, MANIFEST, type Fixture } from "./fixture-course.ts";

let fixture: Fixture;
beforeAll(async () => {
  fixture = await makeFixture();
});
afterAll(() => fixture.remove());

const readResults = (file: string) => JSON.parse(readFileSync(file, "utf8")) as ClassroomResult;

describe("graded files are pinned", () => {
  it("refuses to grade when a stage test was edited (it( -> it.skip() on an untouched lesson 1: exit 3, the file named, 0 points", async () => {
    const file = path.join(fixture.root, "test/lessons/01-one.test.ts");
    const original = readFileSync(file, "utf8");
    writeFileSync(file, original.replace('it("greets with one"', 'it.skip("greets with one"'));
    try {
      const out = path.join(fixture.root, "out-skip");
      const run = await labProcess(fixture.root, ["grade", "--lesson", "1", "--out", out]);
      expect(run.code, run.stdout + run.stderr).toBe(3);
      expect(run.stderr).toContain("grade: refused: test/lessons/01-one.test.ts is changed");
      expect(run.stdout).toContain("not graded: a graded file differs");
      expect(run.stdout.trimEnd().split("\n").pop()).toBe("0 passed, 1 failed");
      const results = readResults(path.join(out, "results.json"));
      expect(results.status).toBe("error");
      expect(results.tests.reduce((sum, t) => sum + t.score, 0)).toBe(0);
    } finally {
      writeFileSync(file, original);
    }
  });
});

describe("what a run that leaves tests out is worth", () => {
  const lessons = parseManifest(MANIFEST);
  const outcome = (name: string, state: TestOutcome["state"], extra: Partial<TestOutcome> = {}): TestOutcome => ({ file: "f", suites: [], name, state, message: state === "fail" ? "why" : "", line: 1, durationMs: 1, ...extra });
  const known = { "1": { requirements: ["a", "b", "c", "d"], guards: ["g"] } };

  it("counts a skipped, todo or missing known test as failed; a test skipped for a missing tool is left out", () => {
    const graded = gradeRun([{ lesson: lessons[0]!, file: "f", tests: [outcome("a", "pass"), outcome("b", "skip"), outcome("c", "todo"), outcome("g", "pass")], problems: [] }], [], known);
    expect(graded.map((t) => [t.name, t.status, t.score, t.maxScore, t.kind])).toEqual([
      ["lesson 1: a", "pass", 2.5, 2.5, "requirement"],
      ["lesson 1: b", "fail", 0, 2.5, "requirement"],
      ["lesson 1: c", "fail", 0, 2.5, "requirement"],
      ["lesson 1: d", "fail", 0, 2.5, "requirement"],
      ["lesson 1: g", "pass", 0, 0, "guard"],
    ]);
    expect(graded[1]!.message).toContain("counts as failed");
    expect(graded[3]!.message).toContain("did not run");
    const tool = gradeRun([{ lesson: lessons[0]!, file: "f", tests: [outcome("a", "pass"), outcome("b", "skip", { missingTool: "lftp (sudo apt-get install lftp)" }), outcome("c", "pass"), outcome("d", "pass"), outcome("g", "pass")], problems: [] }], [], known);
    expect(tool.map((t) => [t.name, t.score])).toEqual([["lesson 1: a", 3.33], ["lesson 1: c", 3.34], ["lesson 1: d", 3.33], ["lesson 1: g", 0]]);
  });

  it("gives nothing for guards, and a failing guard cancels one passing requirement", () => {
    const starter = gradeRun([{ lesson: lessons[0]!, file: "f", tests: ["a", "b", "c", "d"].map((n) => outcome(n, "fail")).concat(outcome("g", "pass")), problems: [] }], [], known);
    expect(starter.reduce((s, t) => s + t.score, 0)).toBe(0);
    const acceptsAll = gradeRun([{ lesson: lessons[0]!, file: "f", tests: [outcome("a", "pass"), outcome("b", "pass"), outcome("c", "fail"), outcome("d", "fail"), outcome("g", "fail")], problems: [] }], [], known);
    expect(acceptsAll.map((t) => t.score)).toEqual([2.5, 0, 0, 0, 0]);
    expect(acceptsAll[1]!.message).toContain("earns nothing while a guard of this lesson fails");
  });
});

describe("grade with no lesson named", () => {
  it("grades every lesson in one run: the untouched kit scores 0 on each, one results.json per lesson", async () => {
    const out = path.join(fixture.root, "out-all");
    const { code, io } = await lab(fixture.root, ["grade", "--out", out]);
    expect(code, io.text()).toBe(1);
    expect(io.lines[0]).toBe("Grading lessons 1-2 against workspace/src");
    expect(io.text()).toContain("✗ lesson 1  0/1 tests  0/10 points  (guards 1/1)");
    expect(io.text()).toContain("✗ lesson 2  0/2 tests  0/5 points");
    for (const [n, max] of [[1, 10], [2, 5]] as const) {
      const results = readResults(path.join(out, `lesson-${n}`, "results.json"));
      expect(results.max_score).toBe(max);
      expect(results.tests.reduce((s, t) => s + t.score, 0)).toBe(0);
      expect(results.tests.every((t) => t.filename === `test/lessons/0${n}-${n === 1 ? "one" : "two"}.test.ts`)).toBe(true);
    }
    expect(readResults(path.join(out, "results.json")).max_score).toBe(15);
  });

  it("gives the solutions full marks, every lesson against its own solution, exit 0", async () => {
    const out = path.join(fixture.root, "out-all-solutions");
    const { code, io } = await lab(fixture.root, ["grade", "--target", "solutions", "--out", out]);
    expect(code, io.text()).toBe(0);
    expect(io.text()).toContain("Score 15/15.");
  });
});

describe("a failure the machine causes", () => {
  // A stage test that fails the way freeRange does when no port is free: once (the retry
  // passes), or always (then the grade is an environment error, not a failing grade).
  const file = () => path.join(fixture.root, "test/lessons/02-two.test.ts");
  let original = "";
  beforeAll(async () => {
    original = readFileSync(file(), "utf8");
    writeFileSync(
      file(),
      `${original}
import { existsSync as seen, writeFileSync as mark } from "node:fs";
it("finds a free port", () => {
  const flag = process.env.FIXTURE_PORTS_FLAG;
  if (process.env.FIXTURE_PORTS === "never" || (flag && !seen(flag))) {
    if (flag) mark(flag, "");
    throw new Error("environment error: freeRange: no free range of 20 ports found");
  }
});
`,
    );
    const pin = await lab(fixture.root, ["pin"]);
    expect(pin.code, pin.io.text()).toBe(0);
  });
  afterAll(async () => {
    writeFileSync(file(), original);
    await lab(fixture.root, ["pin"]);
  });

  it("is retried once: a test that fails for want of a port, then passes, does not fail the grade", async () => {
    process.env["FIXTURE_PORTS_FLAG"] = path.join(fixture.root, "ports-flag");
    try {
      const { code, io } = await lab(fixture.root, ["grade", "--lesson", "2", "--target", "solutions", "--out", path.join(fixture.root, "out-retry")]);
      expect(io.text()).toContain("running it once more");
      expect(code, io.text()).toBe(0);
    } finally {
      delete process.env["FIXTURE_PORTS_FLAG"];
    }
  });

  it("that persists is an environment error, exit 4, never a failing grade", async () => {
    process.env["FIXTURE_PORTS"] = "never";
    try {
      const out = path.join(fixture.root, "out-env");
      const { code, io } = await lab(fixture.root, ["grade", "--lesson", "2", "--target", "solutions", "--out", out]);
      expect(code, io.text()).toBe(4);
      expect(io.text()).toContain("Environment error, rerun");
      const results = readResults(path.join(out, "results.json"));
      expect(results.status).toBe("error");
      expect(results.tests.find((t) => t.name.endsWith("finds a free port"))).toMatchObject({ status: "error", message: expect.stringContaining("environment error (this machine, not your code; rerun)") });
    } finally {
      delete process.env["FIXTURE_PORTS"];
    }
  });
});

describe("npm run progress", () => {
  it("counts what the grader pays for: an untouched starter's lesson is 0 points, its guards earn nothing", async () => {
    const run = await lab(fixture.root, ["lesson", "1"]);
    expect(run.code).toBe(1);
    const { io } = await lab(fixture.root, ["progress"]);
    const row = io.lines.find((l) => /^\s*1\s/.test(l));
    expect(row, io.text()).toMatch(/0\/10$/);
  });
});
