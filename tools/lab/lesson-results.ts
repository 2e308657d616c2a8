// One test run, sorted by lesson: which tests of which lesson passed. The lesson, grade and
// verify commands all read a run this way.
//
//   byLesson(run, [lesson 1, lesson 2])
//   -> [{ lesson: 1, file: "test/lessons/01-local-authorizer.test.ts", tests: [...8 tests], problems: [] },
//       { lesson: 2, file: "test/lessons/02-passive-ports.test.ts",     tests: [...6 tests], problems: [] }]
//
// A "problem" is something that went wrong outside any one test (the file did not load, the
// run timed out): it counts as a failure, so a broken run can never look like a passing one.

import { packagesOfMarkers } from "../../test/harness/tool-marker.ts";
import { stageTestFile, type Lesson } from "./course.ts";
import type { TestRun } from "./run-tests.ts";
import type { TestOutcome } from "./test-results.ts";

export interface LessonResult {
  lesson: Lesson;
  file: string;
  tests: TestOutcome[];
  problems: string[];
}

export function byLesson(run: TestRun, lessons: readonly Lesson[]): LessonResult[] {
  return lessons.map((lesson) => {
    const file = stageTestFile(lesson);
    const tests = run.tests.filter((t) => t.file === file);
    const problems: string[] = [];
    for (const broken of run.brokenFiles) if (broken.file === file) problems.push(`the test file did not load or set up: ${broken.message}`);
    if (run.problem && !tests.some((t) => t.state === "pass" || t.state === "fail")) problems.push(run.problem);
    if (tests.length === 0 && problems.length === 0) problems.push(`no test of ${file} ran`);
    return { lesson, file, tests, problems };
  });
}

export interface Counts {
  passed: number;
  /** Failed tests, tests that could not run, and problems. */
  failed: number;
  skipped: number;
}

export function countResults(results: readonly LessonResult[], run?: TestRun): Counts {
  const counts: Counts = { passed: 0, failed: 0, skipped: 0 };
  for (const result of results) {
    for (const test of result.tests) {
      if (test.state === "pass") counts.passed++;
      else if (test.state === "skip" || test.state === "todo") counts.skipped++;
      else counts.failed++;
    }
    counts.failed += result.problems.length;
  }
  if (run) counts.failed += run.unhandled.length;
  return counts;
}

export function allPass(results: readonly LessonResult[], run?: TestRun): boolean {
  return countResults(results, run).failed === 0;
}

/** "12 passed, 3 failed" (", 1 skipped" when any were): the closing line graders read. */
export function countLine(counts: Counts): string {
  return `${counts.passed} passed, ${counts.failed} failed${counts.skipped ? `, ${counts.skipped} skipped` : ""}`;
}

/** "lftp (sudo apt-get install lftp)" -> how many tests did not run for want of it. */
export function missingTools(results: readonly LessonResult[]): Map<string, number> {
  const byTool = new Map<string, number>();
  for (const result of results) for (const t of result.tests) if (t.missingTool) byTool.set(t.missingTool, (byTool.get(t.missingTool) ?? 0) + 1);
  return byTool;
}

/**
 * Tests that did not run because this machine lacks a tool they drive (curl, lftp, ...): an
 * environment problem, said in so many words, never a failure of the learner's code. Empty when
 * nothing is missing.
 *
 *   Not tested on this machine (a tool is missing; this is not about your code):
 *     lftp (sudo apt-get install lftp): 1 test
 *   Install it and run `npm run lesson 6` again. Meanwhile these tests count neither for nor against you.
 */
export function environmentLines(results: readonly LessonResult[], again: string): string[] {
  const byTool = missingTools(results);
  if (byTool.size === 0) return [];
  const packages = packagesOfMarkers([...byTool.keys()]);
  return [
    `Not tested on this machine (a tool is missing; this is not about your code):`,
    ...[...byTool].map(([tool, n]) => `  ${tool}: ${n} test${n === 1 ? "" : "s"}`),
    packages.length > 0
      ? `Install ${byTool.size === 1 && packages.length === 1 ? "it" : "them"} (sudo apt-get install ${packages.join(" ")}) and run \`${again}\` again. Meanwhile these tests count neither for nor against you.`
      : `Fix that and run \`${again}\` again. Meanwhile these tests count neither for nor against you.`,
  ];
}
