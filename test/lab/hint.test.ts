/**
 * `npm run hint N`: one new hint per call, counted in .lab/progress.json; `--all` shows the
 * ones already read; and the hints of the real lessons are there (2 to 4 each, per part in a
 * lesson of parts).
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCourse } from "../../tools/lab/course.ts";
import { lessonBlocks, substantialBlocks } from "../../tools/lab/handout-kit.ts";
import { NOT_HERE, partOf, referencesIn } from "../../tools/lab/handout-reference.ts";
import { handoutLeaks } from "../../tools/lab/handout.ts";
import { parseHints } from "../../tools/lab/hints.ts";
import { readProgress } from "../../tools/lab/progress.ts";
import { HINTS, lab, labProcess, makeFixture, type Fixture } from "./fixture-course.ts";

let fixture: Fixture;
beforeAll(async () => {
  fixture = await makeFixture();
});
afterAll(() => fixture.remove());

describe("npm run hint N", () => {
  it("shows the hints one at a time, in order, and counts them", async () => {
    const first = await labProcess(fixture.root, ["hint", "1"]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("Hint 1 of 3 for lesson 1: Where to look\n\nLook for TODO(lesson 1).\n");
    expect(first.stdout).toContain("2 more hints: run `npm run hint 1` again");
    expect(readProgress(fixture.root).lessons["1"]?.hintsUsed).toBe(1);

    const second = await lab(fixture.root, ["hint", "1"]);
    expect(second.io.lines[0]).toBe("Hint 2 of 3 for lesson 1: What to push");
    // A "## " inside a fenced block belongs to the hint, it does not start a new one.
    expect(second.io.text()).toContain("## not a hint: inside a code block");
    const third = await lab(fixture.root, ["hint", "1"]);
    expect(third.io.lines[0]).toBe("Hint 3 of 3 for lesson 1: The answer");
    expect(third.io.text()).toContain("That was the last hint for lesson 1.");
    expect(readProgress(fixture.root).lessons["1"]?.hintsUsed).toBe(3);

    const fourth = await lab(fixture.root, ["hint", "1"]);
    expect(fourth.code).toBe(0);
    expect(fourth.io.lines[0]).toBe("You have read all 3 hints for lesson 1. `npm run hint -- 1 --all` shows them again.");
    expect(readProgress(fixture.root).lessons["1"]?.hintsUsed).toBe(3);
  });

  it("--all shows only the hints already read", async () => {
    const progressFile = path.join(fixture.root, ".lab/progress.json");
    const saved = JSON.parse(readFileSync(progressFile, "utf8")) as { lessons: Record<string, { hintsUsed: number }> };
    saved.lessons["1"]!.hintsUsed = 2;
    writeFileSync(progressFile, JSON.stringify(saved));
    const { code, io } = await lab(fixture.root, ["hint", "1", "--all"]);
    expect(code).toBe(0);
    expect(io.lines.filter((l) => l.startsWith("Hint "))).toEqual(["Hint 1 of 3 for lesson 1: Where to look", "Hint 2 of 3 for lesson 1: What to push"]);
    expect(readProgress(fixture.root).lessons["1"]?.hintsUsed).toBe(2);
  });

  it("survives a mangled progress file (starts counting again)", async () => {
    writeFileSync(path.join(fixture.root, ".lab/progress.json"), "{ not json");
    const { code, io } = await lab(fixture.root, ["hint", "1"]);
    expect(code).toBe(0);
    expect(io.lines[0]).toBe("Hint 1 of 3 for lesson 1: Where to look");
  });

  it("says so when a lesson has no hints file", async () => {
    const { code, io } = await lab(fixture.root, ["hint", "2"]);
    expect(code).toBe(2);
    expect(io.errors).toEqual(["hint: lesson 2 has no hints yet (lessons/02-two/hints.md does not exist)"]);
  });
});

describe("npm run hint N [k] -- --reference", () => {
  it("shows hint k when asked for it", async () => {
    const { code, io } = await lab(fixture.root, ["hint", "1", "3"]);
    expect(code).toBe(0);
    expect(io.lines[0]).toBe("Hint 3 of 3 for lesson 1: The answer");
    const bad = await lab(fixture.root, ["hint", "1", "9"]);
    expect(bad.code).toBe(2);
    expect(bad.io.errors).toEqual(['hint: lesson 1 has hints 1-3, not "9"']);
  });

  it("prints the lesson's blocks from final/src, then only where solutions are, then says the teacher releases it", async () => {
    const full = await lab(fixture.root, ["hint", "2", "--reference"]);
    expect(full.code).toBe(0);
    expect(full.io.text()).toContain("--- final/src/parts.ts#two\nparts.push(\"two\");");
    expect(full.io.text()).not.toContain("parts.push(\"one\")");

    const final = path.join(fixture.root, "final");
    const solutions = path.join(fixture.root, "solutions");
    renameSync(final, `${final}.away`);
    try {
      const onlySolutions = await lab(fixture.root, ["hint", "2", "--reference"]);
      expect(onlySolutions.io.lines).toEqual([
        "The reference of lesson 2 is the whole server after that lesson: solutions/02-two/src.",
        "Files it changed since solutions/01-one/src: parts.ts",
      ]);
      renameSync(solutions, `${solutions}.away`);
      try {
        const handout = await lab(fixture.root, ["hint", "1", "--reference"]);
        expect(handout.code).toBe(0);
        expect(handout.io.lines).toEqual([`Lesson 1: ${NOT_HERE}.`]);
        expect(NOT_HERE).toBe("the reference is not in this repository; your teacher releases it");
      } finally {
        renameSync(`${solutions}.away`, solutions);
      }
    } finally {
      renameSync(`${final}.away`, final);
    }
  });

  it("prints the excerpts a hint names with <!-- reference: --> lines, which the hint itself does not show", async () => {
    const file = path.join(fixture.root, "lessons/01-one/hints.md");
    const original = readFileSync(file, "utf8");
    writeFileSync(file, original.replace("parts.push(\"one\")\n", "Compare after you pass.\n<!-- reference: final/src/parts.ts#one -->\n"));
    try {
      const ref = await lab(fixture.root, ["hint", "1", "3", "--reference"]);
      expect(ref.io.text()).toContain("The reference of lesson 1 for hint 3 (named by its hints)");
      expect(ref.io.text()).toContain("--- final/src/parts.ts#one\nparts.push(\"one\");");
      const hint = await lab(fixture.root, ["hint", "1", "3"]);
      expect(hint.io.text()).toContain("Compare after you pass.");
      expect(hint.io.text()).not.toContain("reference:");
    } finally {
      writeFileSync(file, original);
    }
  });
});

describe("hints.md", () => {
  it("parses ## sections in order, ignoring the title and fenced code", () => {
    expect(parseHints(HINTS).map((h) => h.title)).toEqual(["Where to look", "What to push", "The answer"]);
    expect(parseHints("# only a title\n")).toEqual([]);
  });

  // A lesson in parts or steps ("## Part 2, the approach: ...", "## Step 1, the idea: ...")
  // has 2 to 4 hints per part or step (the idea, the approach, the shape of the code);
  // hints without such a prefix form one group.
  it("every lesson of the real course has 2 to 4 hints (per part, in a lesson of parts), none empty", () => {
    const course = loadCourse();
    for (const lesson of course.lessons) {
      const hints = parseHints(readFileSync(path.join(course.root, lesson.dir, "hints.md"), "utf8"));
      const groups = new Map<string, number>();
      for (const hint of hints) {
        const part = partOf(hint);
        groups.set(part, (groups.get(part) ?? 0) + 1);
      }
      expect(groups.size, lesson.slug).toBeGreaterThan(0);
      for (const [part, count] of groups) {
        const label = part ? `${lesson.slug} part ${part}` : lesson.slug;
        expect(count, label).toBeGreaterThanOrEqual(2);
        expect(count, label).toBeLessThanOrEqual(4);
      }
      for (const hint of hints) expect(hint.body.length, `${lesson.slug}: ${hint.title}`).toBeGreaterThan(80);
    }
  });

  it("of the real course hold no reference code, and their reference lines name blocks that exist", async () => {
    const course = loadCourse();
    const files = new Map(course.lessons.map((l) => [`${l.dir}/hints.md`, readFileSync(path.join(course.root, l.dir, "hints.md"))]));
    const blocks = await lessonBlocks(course);
    expect(handoutLeaks(substantialBlocks(blocks), files)).toEqual([]);
    for (const [file, text] of files) {
      for (const ref of referencesIn(text.toString("utf8"))) {
        expect(blocks.some((b) => `final/src/${b.file}` === ref.file && b.name === ref.block), `${file}: ${ref.file}#${ref.block}`).toBe(true);
      }
    }
  });
});
