// What `npm run verify` asks of every stage, and how it judges one test run of it:
//
//   solution N   passes the stage tests of lessons 1..N
//   starter N    fails at least one test of lesson N (the tests can tell), passes 1..N-1
//   final        passes every stage test
//
//   planStageChecks(course) -> [{ label: "final", target: "final", lessons: [1..7], expect: "all-pass" },
//                               { label: "solution 7", target: "solutions/07-port-mapping", ... }, ...]
//   judge(check, results)   -> { ok: false, lines: ["starter 3 passes every test of lesson 3: ..."] }

import type { Course, Lesson } from "./course.ts";
import { countResults, type LessonResult } from "./lesson-results.ts";
import { displayName } from "./test-results.ts";

export interface StageCheck {
  label: string;
  /** FTP_TARGET: the folder whose src/main.ts is tested. */
  target: string;
  lessons: Lesson[];
  expect: "all-pass" | "starter";
  /** The lesson whose starter this is (expect: "starter"). */
  lesson?: Lesson;
}

/** Biggest runs first, so that two at a time finish close together. */
export function planStageChecks(course: Course): StageCheck[] {
  const checks: StageCheck[] = [{ label: "final", target: "final", lessons: [...course.lessons], expect: "all-pass" }];
  for (const lesson of [...course.lessons].reverse()) {
    const through = course.lessons.filter((l) => l.id <= lesson.id);
    checks.push({ label: `solution ${lesson.id}`, target: lesson.solutionDir, lessons: through, expect: "all-pass" });
    checks.push({ label: `starter ${lesson.id}`, target: lesson.dir, lessons: through, expect: "starter", lesson });
  }
  return checks;
}

export interface Verdict {
  ok: boolean;
  /** The first line sums up; more lines (indented by the caller) say what failed. */
  lines: string[];
}

export function judge(check: StageCheck, results: readonly LessonResult[]): Verdict {
  const range = rangeText(check.lessons);
  if (check.expect === "all-pass") {
    const failures = failuresOf(results);
    const total = countResults(results);
    if (failures.length === 0) return { ok: true, lines: [`${check.label} passes ${range} (${total.passed} tests)`] };
    return { ok: false, lines: [`${check.label} fails ${failures.length} of ${total.passed + total.failed} tests of ${range}:`, ...failures.slice(0, 5), ...more(failures, 5)] };
  }

  const own = results.filter((r) => r.lesson.id === check.lesson?.id);
  const earlier = results.filter((r) => r.lesson.id !== check.lesson?.id);
  const lines: string[] = [];
  const ownCounts = countResults(own);
  const ownRan = own.some((r) => r.tests.length > 0);
  if (!ownRan) lines.push(`lesson ${check.lesson?.id}'s tests did not run: ${own[0]?.problems[0]?.split("\n")[0] ?? "no results"}`);
  else if (ownCounts.failed === 0) lines.push(`passes every test of lesson ${check.lesson?.id}: its tests cannot tell the starter from the solution`);
  const regressions = failuresOf(earlier);
  if (regressions.length) lines.push(`fails ${regressions.length} test${regressions.length === 1 ? "" : "s"} of the earlier lessons:`, ...regressions.slice(0, 5), ...more(regressions, 5));
  if (lines.length === 0) {
    const earlierText = earlier.length ? `, passes ${rangeText(earlier.map((r) => r.lesson))}` : "";
    return { ok: true, lines: [`${check.label} fails ${ownCounts.failed} of ${ownCounts.passed + ownCounts.failed} tests of lesson ${check.lesson?.id}${earlierText}`] };
  }
  return { ok: false, lines: [`${check.label}: ${lines[0]}`, ...lines.slice(1)] };
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

function rangeText(lessons: readonly Lesson[]): string {
  if (lessons.length === 1) return `lesson ${lessons[0]!.id}`;
  return `lessons ${lessons[0]!.id}-${lessons[lessons.length - 1]!.id}`;
}
