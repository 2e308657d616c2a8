// What `npm run verify` asks of every stage, how it runs the stage tests to find out, and how it
// judges the results:
//
//   final          passes every stage test
//   solution N     passes the stage tests of lessons first..N
//   the kit        scores 0 on the first lesson (workspace/src as gen writes it)
//   solution N-1   scores less than full on lesson N (it passes first..N-1: its own check)
//
// A vitest run can test each test file against its own stage (LAB_TARGETS), but a file only
// once. So the runs are: final (every file), "solutions +d" for d = 0, 1, ... (lesson K's file
// against solution K+d: d = 0 is each solution on its own lesson, d > 0 the regressions), and
// "previous" (lesson N's file against solution N-1, the first lesson's against the kit).
//
//   planRuns(course)        -> [{ label: "final", pairs: [final x 0..7] }, { label: "solutions +0", ... }, ...]
//   planStageChecks(course) -> [{ label: "final", stage: "final", lessons: [0..7], expect: "all-pass" }, ...]
//   judge(check, results, score) -> { ok: false, lines: ["the kit scores 2.5/10 on lesson 0: ..."] }

import type { Course, Lesson } from "./course.ts";
import { countResults, type LessonResult } from "./lesson-results.ts";
import { displayName } from "./test-results.ts";

/** A server verify tests: final/src, the kit, or solution N. */
export type Stage = "final" | "kit" | number;

export interface StagePair {
  stage: Stage;
  lesson: Lesson;
}

/** One vitest run: each lesson's test file (at most once) against one stage. */
export interface StageRun {
  label: string;
  pairs: StagePair[];
}

export interface StageCheck {
  label: string;
  stage: Stage;
  lessons: Lesson[];
  /** all-pass: every test passes; zero: scores 0 on `lesson`; short: scores less than full on `lesson`. */
  expect: "all-pass" | "zero" | "short";
  /** The lesson a "zero" or "short" check is about. */
  lesson?: Lesson;
}

export function stageName(stage: Stage): string {
  return stage === "final" ? "final" : stage === "kit" ? "the kit" : `solution ${stage}`;
}

/** Biggest runs first, so that two at a time finish close together. */
export function planRuns(course: Course): StageRun[] {
  const lessons = course.lessons;
  const runs: StageRun[] = [{ label: "final", pairs: lessons.map((lesson) => ({ stage: "final" as Stage, lesson })) }];
  for (let d = 0; d < lessons.length; d++) {
    const pairs = lessons.slice(0, lessons.length - d).map((lesson, i) => ({ stage: lessons[i + d]!.id as Stage, lesson }));
    runs.push({ label: `solutions +${d}`, pairs });
  }
  runs.push({ label: "previous", pairs: lessons.map((lesson, i) => ({ stage: (i === 0 ? "kit" : lessons[i - 1]!.id) as Stage, lesson })) });
  return runs.sort((a, b) => b.pairs.length - a.pairs.length);
}

export function planStageChecks(course: Course): StageCheck[] {
  const lessons = course.lessons;
  const checks: StageCheck[] = [{ label: "final", stage: "final", lessons: [...lessons], expect: "all-pass" }];
  for (const lesson of lessons) {
    checks.push({ label: `solution ${lesson.id}`, stage: lesson.id, lessons: lessons.filter((l) => l.id <= lesson.id), expect: "all-pass" });
  }
  lessons.forEach((lesson, i) => {
    const previous = i === 0 ? "kit" : lessons[i - 1]!.id;
    checks.push({ label: stageName(previous), stage: previous, lessons: [lesson], expect: i === 0 ? "zero" : "short", lesson });
  });
  return checks;
}

export interface Verdict {
  ok: boolean;
  /** The first line sums up; more lines (indented by the caller) say what failed. */
  lines: string[];
}

/**
 * `score`: the points the stage earns on `check.lesson` as the grader counts them (zero and
 * short checks only).
 */
export function judge(check: StageCheck, results: readonly LessonResult[], score = 0): Verdict {
  const range = rangeText(check.lessons);
  if (check.expect === "all-pass") {
    const failures = failuresOf(results);
    const total = countResults(results);
    if (failures.length === 0) return { ok: true, lines: [`${check.label} passes ${range} (${total.passed} tests)`] };
    return { ok: false, lines: [`${check.label} fails ${failures.length} of ${total.passed + total.failed} tests of ${range}:`, ...failures.slice(0, 5), ...more(failures, 5)] };
  }

  const lesson = check.lesson!;
  const own = results.filter((r) => r.lesson.id === lesson.id);
  const counts = countResults(own);
  const ran = own.some((r) => r.tests.length > 0);
  const scored = `${format(score)}/${lesson.points}`;
  if (!ran) return { ok: false, lines: [`${check.label}: lesson ${lesson.id}'s tests did not run: ${own[0]?.problems[0]?.split("\n")[0] ?? "no results"}`] };
  const fails = `fails ${counts.failed} of ${counts.passed + counts.failed} tests`;
  if (check.expect === "zero") {
    if (score === 0) return { ok: true, lines: [`${check.label} scores 0/${lesson.points} on lesson ${lesson.id} (${fails})`] };
    const passing = own.flatMap((r) => r.tests.filter((t) => t.state === "pass").map((t) => `passes: ${displayName(t)}`));
    return { ok: false, lines: [`${check.label} scores ${scored} on lesson ${lesson.id}, not 0: the kit must not do what the lesson asks (${fails})`, ...passing.slice(0, 5), ...more(passing, 5)] };
  }
  if (score < lesson.points && counts.failed > 0) return { ok: true, lines: [`${check.label} scores ${scored} on lesson ${lesson.id} (${fails})`] };
  return { ok: false, lines: [`${check.label} scores ${scored} on lesson ${lesson.id}: its tests cannot tell the lesson's work from the earlier solution`] };
}

function failuresOf(results: readonly LessonResult[]): string[] {
  const lines: string[] = [];
  for (const result of results) {
    for (const t of result.tests) {
      if (t.state === "fail" || t.state === "error") lines.push(`lesson ${result.lesson.id}: ${displayName(t)}: ${t.message.split("\n")[0] ?? ""}`);
    }
    for (const problem of result.problems) lines.push(`lesson ${result.lesson.id}: ${problem.split("\n")[0]}`);
  }
  return lines;
}

function more(lines: readonly string[], shown: number): string[] {
  return lines.length > shown ? [`... and ${lines.length - shown} more`] : [];
}

function format(points: number): string {
  return Number.isInteger(points) ? String(points) : points.toFixed(2).replace(/0$/, "");
}

function rangeText(lessons: readonly Lesson[]): string {
  if (lessons.length === 1) return `lesson ${lessons[0]!.id}`;
  return `lessons ${lessons[0]!.id}-${lessons[lessons.length - 1]!.id}`;
}
