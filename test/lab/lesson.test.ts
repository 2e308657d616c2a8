/**
 * `npm run lesson N`, `npm run lesson` and `npm run progress` on the fixture course: the
 * friendly report (requirements, first failure, where to edit, what next), no stack traces,
 * the exit code, and what is recorded in .lab/progress.json.
 */
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readProgress } from "../../tools/lab/progress.ts";
import { lab, labProcess, makeFixture, type Fixture } from "./fixture-course.ts";

let fixture: Fixture;
beforeAll(async () => {
  fixture = await makeFixture();
});
afterAll(() => fixture.remove());

describe("npm run lesson N", () => {
  it("on the untouched starter: lists the requirements, explains the first failure, says what to do, exits 1", async () => {
    const run = await labProcess(fixture.root, ["lesson", "2"]);
    expect(run.code).toBe(1);
    const out = run.stdout;
    expect(out).toContain("Lesson 2: Say two\n");
    expect(out).toContain("  ✗ greets with two\n  ✗ says one before two\n");
    expect(out).toContain("Lesson 1 (should still pass)\n  ✓ all 2 tests pass");
    expect(out).toContain("First failure: greets with two\n    the greeting should say two: expected [ 'one' ] to include 'two'");
    expect(out).toContain("Edit lessons/02-two/src where it says TODO(lesson 2):\n       lessons/02-two/src/parts.ts:4\n");
    expect(out).toContain("`npm run hint 2`");
    expect(out).toContain("`npm run serve 2`");
    expect(out.trimEnd().split("\n").pop()).toBe("2 passed, 2 failed");
    // Never a stack trace.
    expect(out + run.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(run.stderr).toBe("");

    const progress = readProgress(fixture.root).lessons["2"];
    expect(progress).toMatchObject({ status: "failing", passed: 0, total: 2, hintsUsed: 0 });
    expect(Date.now() - Date.parse(progress!.lastRun!)).toBeLessThan(60_000);
  });

  it("once the work is done: says so, names the next lesson, exits 0", async () => {
    copyFileSync(path.join(fixture.root, "solutions/01-one/src/parts.ts"), path.join(fixture.root, "lessons/01-one/src/parts.ts"));
    const { code, io } = await lab(fixture.root, ["lesson", "1"]);
    expect(code, io.text()).toBe(0);
    expect(io.text()).toContain("✓ Lesson 1 is done: all 2 requirements pass.");
    expect(io.text()).toContain("Next: lesson 2, Say two: `npm run lesson 2`");
    expect(io.lines[io.lines.length - 1]).toBe("2 passed, 0 failed");
    // Progress counts the requirement tests (the graded ones); "has a list of parts" is a guard.
    expect(readProgress(fixture.root).lessons["1"]).toMatchObject({ status: "passed", passed: 1, total: 1 });
  });

  it("points at the earlier lesson when a change broke it", async () => {
    // Lesson 2's own work done, but lesson 1's line removed: the regression is what fails.
    const parts = path.join(fixture.root, "lessons/02-two/src/parts.ts");
    copyFileSync(path.join(fixture.root, "solutions/02-two/src/parts.ts"), parts);
    const solved = readFileSync(parts, "utf8");
    writeFileSync(parts, solved.replace('parts.push("one");', ""));
    const { code, io } = await lab(fixture.root, ["lesson", "2"]);
    expect(code).toBe(1);
    expect(io.text()).toContain("✗ 1 of 2 fail now:");
    expect(io.text()).toContain("First failure: says one before two");
  });

  it("refuses an unknown lesson with one line and exit code 2", async () => {
    const run = await labProcess(fixture.root, ["lesson", "9"]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe('lesson: no lesson "9": lessons are 1-2 (`npm run lesson` lists them)');
  });
});

describe("npm run lesson (no number) and npm run progress", () => {
  it("lists every lesson with its status", async () => {
    const { code, io } = await lab(fixture.root, ["lesson"]);
    expect(code).toBe(0);
    expect(io.lines).toContain("  ✓  1  Say one");
    expect(io.lines).toContain("  ✗  2  Say two");
    expect(io.text()).toContain("Work on a lesson: `npm run lesson 2`");
  });

  it("shows the table with last run, hints and points", async () => {
    const { code, io } = await lab(fixture.root, ["progress"]);
    expect(code).toBe(0);
    const [header, one, two, total] = io.lines;
    expect(header).toMatch(/^#\s+lesson\s+status\s+last run\s+hints\s+points$/);
    expect(one).toMatch(/^1\s+Say one\s+✓ passed\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+0\/3\s+10\/10$/);
    // Lesson 2's last run passed 1 of its 2 tests: half of its 5 points.
    expect(two).toMatch(/^2\s+Say two\s+✗ failing\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+0\/-\s+2\.5\/5$/);
    expect(total).toMatch(/total\s+12\.5\/15$/);
  });
});
