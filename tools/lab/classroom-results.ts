// results.json in the shape of GitHub Classroom's autograding runners, so a teacher's tools
// (and the autograding reporter) read `npm run grade` like any other grader:
//
//   { "version": 1, "status": "fail", "max_score": 30,
//     "tests": [ { "name": "lesson 1: logs in a user", "status": "pass", "score": 2.5,
//                  "max_score": 2.5, "message": "", "test_code": "", "filename":
//                  "test/lessons/01-local-authorizer.test.ts", "line_no": 12, "duration": 40 }, ... ] }
//
// Source of the shape: education/autograding-command-grader (src/main.js and its tests:
// result = { version: 1, status, max_score, tests: [{ name, status, score, message,
// test_code, filename, line_no, duration }] }, status "pass" | "fail" | "error"), which the
// step emits base64-encoded as its `result` output; education/autograding-grading-reporter
// reads `max_score`, each test's `status`, `score`, `name`, `line_no`, `test_code` and
// `message`. We add a per-test `max_score`, which shows the partial credit and is ignored
// by the reporter.

import type { GradedTest, GradeStatus } from "./graded-tests.ts";
import { sumPoints } from "./scoring.ts";

export interface ClassroomTest {
  name: string;
  status: GradeStatus;
  score: number;
  max_score: number;
  message: string;
  test_code: string;
  filename: string;
  line_no: number;
  duration: number;
}

export interface ClassroomResult {
  version: 1;
  status: GradeStatus;
  max_score: number;
  tests: ClassroomTest[];
}

export function classroomResult(graded: readonly GradedTest[], maxScore: number, runBroken: boolean): ClassroomResult {
  const allPass = graded.length > 0 && graded.every((t) => t.status === "pass");
  return {
    version: 1,
    status: allPass ? "pass" : runBroken ? "error" : "fail",
    max_score: maxScore,
    tests: graded.map((t) => ({
      name: t.name,
      status: t.status,
      score: t.score,
      max_score: t.maxScore,
      message: t.message,
      test_code: "",
      filename: t.file,
      line_no: t.line,
      duration: t.durationMs,
    })),
  };
}

export function totalScore(result: ClassroomResult): number {
  return sumPoints(result.tests.map((t) => t.score));
}
