// `npm run grade -- --lesson N [--target lessons|solutions|final] [--out DIR]`: the stage tests
// of lessons 1..N, all against one server (the learner's lessons/NN-slug by default), with a
// share of each lesson's points per test. Writes DIR/results.json (GitHub Classroom's result
// shape) and DIR/junit.xml, and ends with the line graders read:
//
//   $ npm run grade -- --lesson 3 --out .lab/grade-3
//   Grading lessons 1-3 against lessons/03-masquerade/src
//     ✓ lesson 1  8/8 tests   10/10 points
//     ✗ lesson 2  5/6 tests   8.33/10 points
//         ✗ EPSV › answers 229 with the port
//     ✗ lesson 3  0/4 tests   0/10 points
//   Score 18.33/30. Wrote .lab/grade-3/results.json and .lab/grade-3/junit.xml
//   Classroom step lesson-3: 0/10 points (awarded when every test of lessons 1-3 passes)
//   13 passed, 5 failed
//
// Exit code 0 only when every test passes. Everything is a flag (GitHub Classroom's grader
// runs commands with an almost empty environment).

import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { classroomResult, totalScore } from "../classroom-results.ts";
import { exists, findLesson, lessonsThrough, stageFolder, stageTestFile, STAGE_KINDS, type Course, type Lesson, type StageKind } from "../course.ts";
import { gradeRun, type GradedTest } from "../graded-tests.ts";
import { MARK, type Io } from "../io.ts";
import { junitXml } from "../junit.ts";
import { LabError } from "../lab-error.ts";
import { byLesson, countLine, environmentLines, type LessonResult } from "../lesson-results.ts";
import { runStageTests, type TestRun } from "../run-tests.ts";
import { sumPoints } from "../scoring.ts";

export interface GradeOptions {
  lesson?: string;
  target?: string;
  out?: string;
}

export async function gradeCommand(options: GradeOptions, course: Course, io: Io): Promise<number> {
  if (options.lesson === undefined) throw new LabError("--lesson N is required, e.g. `npm run grade -- --lesson 3`");
  const lesson = findLesson(course, options.lesson);
  const kind = (options.target ?? "lessons") as StageKind;
  if (!STAGE_KINDS.includes(kind)) throw new LabError(`--target ${JSON.stringify(options.target)}: use lessons, solutions or final`);
  const outDir = path.resolve(process.env["INIT_CWD"] ?? process.cwd(), options.out ?? path.join(course.root, ".lab", "grade"));

  const folder = stageFolder(lesson, kind);
  const lessons = lessonsThrough(course, lesson);
  io.out(`Grading lesson${lessons.length > 1 ? `s ${lessons[0]!.id}-${lesson.id}` : ` ${lesson.id}`} against ${folder}/src`);

  const { results, run } = await runGrading(course, lessons, folder);
  const graded = gradeRun(results, run.unhandled);
  const maxScore = sumPoints(lessons.map((l) => l.points));
  const result = classroomResult(graded, maxScore, run.problem !== null || results.some((r) => r.tests.length === 0));

  for (const l of lessons) for (const line of lessonLines(l, graded)) io.out(`  ${line}`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, "results.json"), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(path.join(outDir, "junit.xml"), junitXml(`ftp-lab grade: lessons 1-${lesson.id} against ${folder}/src`, lessons, graded));

  const relative = path.relative(process.env["INIT_CWD"] ?? process.cwd(), outDir) || ".";
  const shown = relative.startsWith("..") ? outDir : relative;
  io.out(`Score ${totalScore(result)}/${maxScore}. Wrote ${shown}/results.json and ${shown}/junit.xml`);
  // A test that needs a missing tool is left out of the grade, like any skipped test: its
  // lesson's points are shared by the tests that ran, so the grade loses nothing, and this says why.
  for (const line of environmentLines(results, `npm run grade -- --lesson ${lesson.id}`)) io.out(line);
  // The Classroom step for this lesson is all-or-nothing (its command grader awards max-score
  // on exit 0): the per-test shares above show progress, this line shows the grade.
  const stepPoints = result.status === "pass" ? lesson.points : 0;
  io.out(`Classroom step lesson-${lesson.id}: ${stepPoints}/${lesson.points} points (awarded when every test of lessons 1-${lesson.id} passes)`);
  const passed = graded.filter((t) => t.status === "pass").length;
  io.out(countLine({ passed, failed: graded.length - passed, skipped: 0 }));
  return result.status === "pass" ? 0 : 1;
}

/** One test run for every lesson whose test file exists; the rest are reported as problems. */
async function runGrading(course: Course, lessons: readonly Lesson[], folder: string): Promise<{ results: LessonResult[]; run: TestRun }> {
  const present = lessons.filter((l) => exists(course, stageTestFile(l)));
  const hasServer = exists(course, `${folder}/src/main.ts`);
  const run: TestRun =
    hasServer && present.length > 0
      ? await runStageTests({
          root: course.root,
          files: present.map(stageTestFile),
          target: folder,
          timeoutMs: 30_000 + present.reduce((sum, l) => sum + l.timeoutSec * 1000, 0),
        })
      : { tests: [], brokenFiles: [], unhandled: [], problem: null, durationMs: 0 };
  const results = byLesson(run, lessons).map((result) => {
    if (!exists(course, result.file)) return { ...result, tests: [], problems: [`${result.file} does not exist: lesson ${result.lesson.id} has no tests`] };
    if (!hasServer) return { ...result, tests: [], problems: [`${folder}/src/main.ts does not exist: there is no server to test`] };
    return result;
  });
  return { results, run };
}

function lessonLines(lesson: Lesson, graded: readonly GradedTest[]): string[] {
  const tests = graded.filter((t) => t.lesson.id === lesson.id && t.file !== "");
  const passed = tests.filter((t) => t.status === "pass");
  const score = sumPoints(tests.map((t) => t.score));
  const mark = passed.length === tests.length && tests.length > 0 ? MARK.pass : MARK.fail;
  const lines = [`${mark} lesson ${lesson.id}  ${passed.length}/${tests.length} tests  ${score}/${lesson.points} points`];
  for (const t of tests) if (t.status !== "pass") lines.push(`    ${MARK.fail} ${t.name.replace(/^lesson \d+: /, "")}${t.status === "error" ? ` (${t.message.split("\n")[0]})` : ""}`);
  return lines;
}
