/**
 * `npm run lesson N`, `npm run lesson` and `npm run progress` on the fixture course: the
 * friendly report (requirements, first failure, where to edit, what next), no stack traces,
 * the exit code, and what is recorded in .lab/progress.json.
 */
import { copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readProgress } from "../../tools/lab/progress.ts";
import { lab, labProcess, makeFixture, STAGE_TESTS, type Fixture } from "./fixture-course.ts";

let fixture: Fixture;
beforeAll(async () => {
  fixture = await makeFixture();
});
afterAll(() => fixture.remove());

describe("npm run lesson N", () => {
  it("on the kit (workspace/src as gen wrote it): lists the requirements, explains the first failure, says what to do, exits 1", async () => {
    const run = await labProcess(fixture.root, ["lesson", "1"]);
    expect(run.code).toBe(1);
    const out = run.stdout;
    expect(out).toContain("Lesson 1: Say one\nTesting workspace/src with the tests of lesson 1 ...\n");
    expect(out).toContain("  ✗ greets with one\n  ✓ has a list of parts\n");
    expect(out).toContain(`First failure: greets with one\n    the greeting should say "one" & <more>: expected [] to include 'one'`);
    expect(out).toContain("Edit workspace/src where it says TODO(lesson 1):\n       workspace/src/parts.ts:3\n");
    expect(out).toContain("`npm run hint 1`");
    expect(out).toContain("`npm run serve 1`");
    expect(out.trimEnd().split("\n").pop()).toBe("1 passed, 1 failed");
    // Never a stack trace.
    expect(out + run.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(run.stderr).toBe("");

    const progress = readProgress(fixture.root).lessons["1"];
    expect(progress).toMatchObject({ status: "failing", hintsUsed: 0 });
    expect(Date.now() - Date.parse(progress!.lastRun!)).toBeLessThan(60_000);
  });

  it("once the work is done: says so, names the next lesson and where to compare with the reference, exits 0", async () => {
    copyFileSync(path.join(fixture.root, "solutions/01-one/src/parts.ts"), path.join(fixture.root, "workspace/src/parts.ts"));
    const { code, io } = await lab(fixture.root, ["lesson", "1"]);
    expect(code, io.text()).toBe(0);
    expect(io.text()).toContain("✓ Lesson 1 is done: all 2 requirements pass.");
    expect(io.text()).toContain("Next: lesson 2, Say two: `npm run lesson 2`");
    expect(io.text()).toContain("Compare with the reference: solutions/01-one/src.");
    expect(io.lines[io.lines.length - 1]).toBe("2 passed, 0 failed");
    expect(readProgress(fixture.root).lessons["1"]).toMatchObject({ status: "passed" });
  });

  it("without solutions/ (a student repository): the teacher releases the reference", async () => {
    renameSync(path.join(fixture.root, "solutions"), path.join(fixture.root, "solutions-hidden"));
    try {
      const { code, io } = await lab(fixture.root, ["lesson", "1"]);
      expect(code, io.text()).toBe(0);
      expect(io.text()).toContain("Compare with the reference of lesson 1 when your teacher releases it.");
    } finally {
      renameSync(path.join(fixture.root, "solutions-hidden"), path.join(fixture.root, "solutions"));
    }
  });

  it("points at the earlier lesson when a change broke it", async () => {
    // Lesson 2's own work done, but lesson 1's line removed: the regression is what fails.
    const parts = path.join(fixture.root, "workspace/src/parts.ts");
    copyFileSync(path.join(fixture.root, "solutions/02-two/src/parts.ts"), parts);
    const solved = readFileSync(parts, "utf8");
    writeFileSync(parts, solved.replace('parts.push("one");', ""));
    const { code, io } = await lab(fixture.root, ["lesson", "2"]);
    expect(code).toBe(1);
    expect(io.text()).toContain("Testing workspace/src with the tests of lesson 2, then lesson 1 ...");
    expect(io.text()).toContain("✗ 1 of 2 fail now:");
    expect(io.text()).toContain("First failure: says one before two");
    expect(io.text()).toContain("`npm run catch-up 2` puts the reference of lesson 1 in workspace/src");
  });

  it("--target tests another server, and records no progress", async () => {
    const before = readProgress(fixture.root).lessons["2"];
    const { code, io } = await lab(fixture.root, ["lesson", "2", "--target", "solutions/02-two"]);
    expect(code, io.text()).toBe(0);
    expect(io.text()).toContain("Testing solutions/02-two/src with the tests of lesson 2, then lesson 1 ...");
    expect(io.text()).not.toContain("Compare with the reference");
    expect(readProgress(fixture.root).lessons["2"]).toEqual(before);
    const missing = await labProcess(fixture.root, ["lesson", "2", "--target", "nowhere"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe("lesson: --target nowhere: nowhere/src/main.ts does not exist");
  });

  it("refuses an unknown lesson with one line and exit code 2", async () => {
    const run = await labProcess(fixture.root, ["lesson", "9"]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe('lesson: no lesson "9": lessons are 1-2 (`npm run lesson` lists them)');
  });
});

describe("a test file in parts (lesson 0's describe blocks)", () => {
  it("shows one line per part, and the failing tests under it", async () => {
    writeFileSync(
      path.join(fixture.root, "test/lessons/01-one.test.ts"),
      STAGE_TESTS["01-one.test.ts"]!.replace("import { expect, it }", "import { describe, expect, it }").replace(/^it\(/gm, "  it(").replace(
        /(  it\("greets with one"[^]*?\n}\);\n)\n(  it\("has a list of parts"[^]*?\n}\);\n)/,
        'describe("part 1: the greeting", () => {\n$1});\n\ndescribe("part 2: the list", () => {\n$2});\n',
      ),
    );
    // Another server (--target: no progress recorded) without lesson 1's work.
    mkdirSync(path.join(fixture.root, "other/src"), { recursive: true });
    copyFileSync(path.join(fixture.root, "final/src/main.ts"), path.join(fixture.root, "other/src/main.ts"));
    writeFileSync(path.join(fixture.root, "other/src/parts.ts"), "export const parts: string[] = [];\n");
    try {
      const { code, io } = await lab(fixture.root, ["lesson", "1", "--target", "other"]);
      expect(code).toBe(1);
      expect(io.lines).toContain("  ✗ part 1: the greeting: 0 of 1 pass");
      expect(io.lines).toContain("      ✗ greets with one");
      expect(io.lines).toContain("  ✓ part 2: the list: all 1 test pass");
    } finally {
      writeFileSync(path.join(fixture.root, "test/lessons/01-one.test.ts"), STAGE_TESTS["01-one.test.ts"]!);
    }
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
