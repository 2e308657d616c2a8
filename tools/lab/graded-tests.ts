// A graded run: every stage test of lessons 1..N as one entry with its share of the points,
// ready to be written as GitHub Classroom's results.json or as JUnit XML.
//
//   gradeRun(results)
//   -> [{ lesson: 1, name: "lesson 1: logs in a user with the right password", status: "pass",
//         score: 1.25, maxScore: 1.25, message: "", file: "test/lessons/01-local-authorizer.test.ts",
//         line: 12, durationMs: 40 }, ...]
//
// Skipped tests are left out (they earn nothing and cost nothing). A lesson whose tests could
// not run at all is one "error" entry worth all its points, so it can never score.

import { clipLines } from "./error-text.ts";
import type { Lesson } from "./course.ts";
import type { LessonResult } from "./lesson-results.ts";
import { spreadPoints } from "./scoring.ts";
import { displayName } from "./test-results.ts";

export type GradeStatus = "pass" | "fail" | "error";

export interface GradedTest {
  lesson: Lesson;
  /** "lesson 2: EPSV › answers 229 with the port" */
  name: string;
  status: GradeStatus;
  score: number;
  maxScore: number;
  message: string;
  file: string;
  line: number;
  durationMs: number;
}

const MAX_MESSAGE_LINES = 80;

export function gradeRun(results: readonly LessonResult[], unhandled: readonly string[] = []): GradedTest[] {
  const graded: GradedTest[] = [];
  for (const result of results) {
    const { lesson } = result;
    const counted = result.tests.filter((t) => t.state === "pass" || t.state === "fail" || t.state === "error");
    const entries = [
      ...counted.map((t) => ({
        name: `lesson ${lesson.id}: ${displayName(t)}`,
        status: t.state as GradeStatus,
        message: t.message,
        line: t.line,
        durationMs: t.durationMs,
      })),
      ...result.problems.map((problem) => ({ name: `lesson ${lesson.id}: could not be tested`, status: "error" as const, message: problem, line: 0, durationMs: 0 })),
    ];
    const shares = spreadPoints(lesson.points, entries.length);
    entries.forEach((entry, i) => {
      const maxScore = shares[i] ?? 0;
      graded.push({
        lesson,
        ...entry,
        message: clipLines(entry.message, MAX_MESSAGE_LINES),
        score: entry.status === "pass" ? maxScore : 0,
        maxScore,
        file: result.file,
      });
    });
  }
  // An error outside every test (an unhandled rejection) fails the run but is worth nothing.
  for (const error of unhandled) {
    const last = results[results.length - 1];
    if (!last) break;
    graded.push({ lesson: last.lesson, name: "an error outside any test", status: "error", score: 0, maxScore: 0, message: clipLines(error, MAX_MESSAGE_LINES), file: "", line: 0, durationMs: 0 });
  }
  return graded;
}
