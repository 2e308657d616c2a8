/**
 * tools/lab/graded-manifest.json is current: every graded file (the stage tests, their helpers,
 * the harness, the grader, its vitest config, the lesson manifest) is pinned with its hash, and
 * each lesson lists its tests. Stale: `npx tsx tools/lab/main.ts pin` (or `pin --hashes-only`
 * when no stage test was added, removed or renamed).
 */
import { describe, expect, it } from "vitest";
import { loadCourse } from "../../tools/lab/course.ts";
import { readPinned, staleEntries } from "../../tools/lab/pinned.ts";

describe("the pinned graded files", () => {
  const course = loadCourse();
  const manifest = readPinned(course);

  it("are current (else run `npx tsx tools/lab/main.ts pin`)", () => {
    expect(manifest).not.toBeNull();
    expect(staleEntries(course, manifest!)).toEqual([]);
  });

  it("cover what grading runs: every stage test, its helpers and harness, the grader and its vitest config, the points", () => {
    const files = Object.keys(manifest!.files);
    for (const lesson of course.lessons) expect(files).toContain(`test/lessons/${lesson.slug}.test.ts`);
    for (const file of [
      "test/lessons/stage-helpers.ts",
      "test/harness/index.ts",
      "test/harness/tools-available.ts",
      "tools/wire/ftp-socket.ts",
      "tools/lab/commands/grade.ts",
      "tools/lab/graded-tests.ts",
      "tools/lab/vitest.lab.config.ts",
      "tools/lab/vitest-target.ts",
      "tools/lab/vitest-reporter.ts",
      "lessons/manifest.json",
      "package.json",
    ]) {
      expect(files).toContain(file);
    }
  });

  it("know every lesson's tests, each with at least one requirement", () => {
    for (const lesson of course.lessons) {
      const tests = manifest!.lessons[String(lesson.id)];
      expect(tests, `lesson ${lesson.id}`).toBeDefined();
      expect(tests!.requirements.length).toBeGreaterThan(0);
    }
  });
});
