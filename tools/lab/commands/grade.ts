// `npm run grade`: the stage tests, against the learner's stages, with a share of each lesson's
// points per requirement test. Two forms:
//
//   npm run grade -- --lesson N [--target ...] [--out DIR]   lessons 0..N against one stage
//   npm run grade -- [--target ...] [--out DIR]              every lesson in one test run;
//                                                           DIR/lesson-N/results.json each
//
// Targets: `workspace` (the default: the learner's one server, workspace/src, which every
// lesson's tests run against), `solutions` (each lesson against solutions/NN-slug) and `final`.
//
//   $ npm run grade -- --lesson 1
//   Grading lessons 0-1 against workspace/src
//     ✗ lesson 1  0/7 tests  0/10 points  (guards 4/4)
//         ✗ logs in a user with the right password
//   Score 0/10. Wrote .lab/grade/results.json and .lab/grade/junit.xml
//   4 passed, 7 failed
//
// Before anything runs, the graded files (stage tests, harness, grader, vitest config, manifest)
// are compared with tools/lab/graded-manifest.json (pinned.ts): a difference is refused.
// A test the machine failed (no free port, a port another program took) is retried once.
//
// Exit code: 0 every test passes; 1 a test fails (the grade is in results.json); 2 wrong command
// line; 3 refused: a graded file differs from the course's copy; 4 environment error: the
// machine failed a test even on the retry, rerun. Everything is a flag (GitHub Classroom runs
// commands with an almost empty environment).

import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { classroomResult, type ClassroomResult } from "../classroom-results.ts";
import { exists, findLesson, lessonsThrough, stageFolder, stageTestFile, WORKSPACE, type Course, type Lesson } from "../course.ts";
import { gradeRun, type GradedTest } from "../graded-tests.ts";
import { MARK, type Io } from "../io.ts";
import { junitXml } from "../junit.ts";
import { LabError } from "../lab-error.ts";
import { byLesson, countLine, environmentLines, type LessonResult } from "../lesson-results.ts";
import { PINNED_MANIFEST, pinnedDifferences, readPinned } from "../pinned.ts";
import { runStageTests, type TestRun } from "../run-tests.ts";
import { sumPoints } from "../scoring.ts";

export const EXIT = { pass: 0, fail: 1, usage: 2, refused: 3, environment: 4 } as const;

export interface GradeOptions {
  lesson?: string;
  target?: string;
  out?: string;
}

interface Plan {
  lessons: Lesson[];
  /** Test file -> the stage it runs against. */
  targets: Record<string, string>;
  headline: string;
  /** Where each lesson's report goes, or one report for all. */
  perLesson: boolean;
}

/** Where grading looks: the learner's one server (workspace/src), or a reference stage. */
export type GradeTarget = "workspace" | "solutions" | "final";
export const GRADE_TARGETS: readonly GradeTarget[] = ["workspace", "solutions", "final"];

function folderOf(lesson: Lesson, kind: GradeTarget): string {
  return kind === "workspace" ? WORKSPACE : stageFolder(lesson, kind);
}

export async function gradeCommand(options: GradeOptions, course: Course, io: Io): Promise<number> {
  const kind = (options.target ?? "workspace") as GradeTarget;
  if (!GRADE_TARGETS.includes(kind)) throw new LabError(`--target ${JSON.stringify(options.target)}: use workspace, solutions or final`);
  const cwd = process.env["INIT_CWD"] ?? process.cwd();
  const outDir = path.resolve(cwd, options.out ?? path.join(course.root, ".lab", "grade"));
  const plan = planGrading(course, options.lesson, kind);
  io.out(plan.headline);

  const pinned = readPinned(course);
  if (!pinned) throw new LabError(`${PINNED_MANIFEST} is missing: a maintainer writes it with \`npx tsx tools/lab/main.ts pin\``);
  const differences = pinnedDifferences(course, pinned);
  if (differences.length > 0) return refuse(plan, differences, outDir, cwd, io, kind);

  let results = await runGrading(course, plan.lessons, plan.targets);
  let graded = gradeRun(results.results, results.run.unhandled, pinned.lessons);
  const shaky = plan.lessons.filter((l) => graded.some((t) => t.lesson.id === l.id && t.environment));
  if (shaky.length > 0) {
    io.out(`  (the machine failed ${shaky.length === 1 ? "a test" : "tests"} of lesson${shaky.length > 1 ? "s" : ""} ${shaky.map((l) => l.id).join(", ")}: no free port or a server that could not bind; running ${shaky.length > 1 ? "them" : "it"} once more)`);
    const again = await runGrading(course, shaky, plan.targets);
    const merged = results.results.map((r) => again.results.find((a) => a.lesson.id === r.lesson.id) ?? r);
    results = { results: merged, run: { ...results.run, unhandled: [...results.run.unhandled, ...again.run.unhandled], problem: again.run.problem ?? results.run.problem } };
    graded = gradeRun(results.results, results.run.unhandled, pinned.lessons);
  }

  for (const l of plan.lessons) for (const line of lessonLines(l, graded)) io.out(`  ${line}`);
  const written = writeReports(plan, graded, results.results, results.run, outDir, cwd);
  const maxScore = sumPoints(plan.lessons.map((l) => l.points));
  const score = sumPoints(graded.map((t) => t.score));
  io.out(`Score ${score}/${maxScore}. Wrote ${written}`);
  // A test that needs a missing tool is left out of the grade: its lesson's points are shared
  // by the tests that ran, so the grade loses nothing, and this says why.
  for (const line of environmentLines(results.results, plan.perLesson ? "npm run grade" : `npm run grade -- --lesson ${plan.lessons[plan.lessons.length - 1]!.id}`)) io.out(line);
  const environment = graded.filter((t) => t.environment);
  if (environment.length > 0) {
    io.out(`Environment error, rerun: ${environment.length} test${environment.length === 1 ? "" : "s"} failed because of this machine (no free port, a port taken), even on the retry. This is not a grade.`);
  }
  const passed = graded.filter((t) => t.status === "pass").length;
  io.out(countLine({ passed, failed: graded.length - passed, skipped: 0 }));
  if (environment.length > 0) return EXIT.environment;
  return graded.length > 0 && graded.every((t) => t.status === "pass") ? EXIT.pass : EXIT.fail;
}

function planGrading(course: Course, lessonArg: string | undefined, kind: GradeTarget): Plan {
  if (lessonArg !== undefined) {
    const lesson = findLesson(course, lessonArg);
    const folder = folderOf(lesson, kind);
    const lessons = lessonsThrough(course, lesson);
    const targets = Object.fromEntries(lessons.map((l) => [stageTestFile(l), folder]));
    const headline = `Grading lesson${lessons.length > 1 ? `s ${lessons[0]!.id}-${lesson.id}` : ` ${lesson.id}`} against ${folder}/src`;
    return { lessons, targets, headline, perLesson: false };
  }
  const lessons = [...course.lessons];
  const targets = Object.fromEntries(lessons.map((l) => [stageTestFile(l), folderOf(l, kind)]));
  const where = kind === "final" ? " against final/src" : kind === "workspace" ? ` against ${WORKSPACE}/src` : `, each against its own ${kind}/NN-slug/src`;
  return { lessons, targets, headline: `Grading lessons ${lessons[0]!.id}-${lessons[lessons.length - 1]!.id}${where}`, perLesson: true };
}

/** One test run for every lesson whose test file and server exist; the rest are reported as problems. */
async function runGrading(course: Course, lessons: readonly Lesson[], targets: Record<string, string>): Promise<{ results: LessonResult[]; run: TestRun }> {
  const hasServer = (l: Lesson) => exists(course, `${targets[stageTestFile(l)]}/src/main.ts`);
  const present = lessons.filter((l) => exists(course, stageTestFile(l)) && hasServer(l));
  const run: TestRun =
    present.length > 0
      ? await runStageTests({
          root: course.root,
          files: present.map(stageTestFile),
          target: "final",
          targets,
          timeoutMs: 30_000 + present.reduce((sum, l) => sum + l.timeoutSec * 1000, 0),
        })
      : { tests: [], brokenFiles: [], unhandled: [], problem: null, durationMs: 0 };
  const results = byLesson(run, lessons).map((result) => {
    if (!exists(course, result.file)) return { ...result, tests: [], problems: [`${result.file} does not exist: lesson ${result.lesson.id} has no tests`] };
    if (!hasServer(result.lesson)) return { ...result, tests: [], problems: [`${targets[result.file]}/src/main.ts does not exist: there is no server to test`] };
    return result;
  });
  return { results, run };
}

function shown(dir: string, cwd: string): string {
  const relative = path.relative(cwd, dir) || ".";
  return relative.startsWith("..") ? dir : relative;
}

function writeOne(dir: string, title: string, lessons: readonly Lesson[], graded: readonly GradedTest[], broken: boolean): ClassroomResult {
  const result = classroomResult(graded, sumPoints(lessons.map((l) => l.points)), broken);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "results.json"), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(path.join(dir, "junit.xml"), junitXml(title, lessons, graded));
  return result;
}

/** results.json and junit.xml: one pair, or (grading every lesson) one per lesson in DIR/lesson-N plus the whole in DIR. */
function writeReports(plan: Plan, graded: readonly GradedTest[], results: readonly LessonResult[], run: TestRun, outDir: string, cwd: string): string {
  const brokenOf = (lessons: readonly Lesson[]) =>
    (run.problem !== null && lessons.some((l) => results.find((r) => r.lesson.id === l.id)?.problems.length)) ||
    results.some((r) => lessons.some((l) => l.id === r.lesson.id) && r.tests.length === 0) ||
    graded.some((t) => t.environment && lessons.some((l) => l.id === t.lesson.id));
  const last = plan.lessons[plan.lessons.length - 1]!;
  writeOne(outDir, `ftp-lab grade: lessons ${plan.lessons[0]!.id}-${last.id}`, plan.lessons, graded, brokenOf(plan.lessons));
  if (!plan.perLesson) return `${shown(outDir, cwd)}/results.json and ${shown(outDir, cwd)}/junit.xml`;
  for (const lesson of plan.lessons) {
    writeOne(path.join(outDir, `lesson-${lesson.id}`), `ftp-lab grade: lesson ${lesson.id}`, [lesson], graded.filter((t) => t.lesson.id === lesson.id), brokenOf([lesson]));
  }
  return `${shown(outDir, cwd)}/results.json and junit.xml, and one pair per lesson in ${shown(outDir, cwd)}/lesson-N/`;
}

/** A graded file differs from the pinned copy: no tests run, every lesson is an error worth nothing. */
function refuse(plan: Plan, differences: readonly string[], outDir: string, cwd: string, io: Io, kind: GradeTarget): number {
  const yours = kind === "workspace" ? `${WORKSPACE}/` : `${kind}/`;
  const message = `not graded: ${differences.length === 1 ? "a graded file differs" : `${differences.length} graded files differ`} from the course's copy (${PINNED_MANIFEST}): ${differences.join(", ")}. Restore ${differences.length === 1 ? "it" : "them"} (git checkout -- <file>) and grade again; only your ${yours} is yours to change.`;
  const graded: GradedTest[] = plan.lessons.map((lesson) => ({
    lesson,
    name: `lesson ${lesson.id}: not graded`,
    status: "error",
    score: 0,
    maxScore: lesson.points,
    message,
    file: "",
    line: 0,
    durationMs: 0,
    kind: "problem",
    environment: false,
  }));
  const run: TestRun = { tests: [], brokenFiles: [], unhandled: [], problem: message, durationMs: 0 };
  const results: LessonResult[] = plan.lessons.map((lesson) => ({ lesson, file: stageTestFile(lesson), tests: [], problems: [message] }));
  writeReports(plan, graded, results, run, outDir, cwd);
  for (const d of differences) io.err(`grade: refused: ${d.replace(/ \((changed|missing)\)$/, " is $1")} (compared with ${PINNED_MANIFEST})`);
  io.out(`${MARK.fail} ${message}`);
  io.out(`0 passed, ${graded.length} failed`);
  return EXIT.refused;
}

function lessonLines(lesson: Lesson, graded: readonly GradedTest[]): string[] {
  const own = graded.filter((t) => t.lesson.id === lesson.id && t.file !== "");
  const tests = own.filter((t) => t.kind !== "guard");
  const guards = own.filter((t) => t.kind === "guard");
  const passed = tests.filter((t) => t.status === "pass");
  const score = sumPoints(own.map((t) => t.score));
  const allPass = passed.length === tests.length && tests.length > 0 && guards.every((g) => g.status === "pass");
  const guardText = guards.length ? `  (guards ${guards.filter((g) => g.status === "pass").length}/${guards.length})` : "";
  const lines = [`${allPass ? MARK.pass : MARK.fail} lesson ${lesson.id}  ${passed.length}/${tests.length} tests  ${score}/${lesson.points} points${guardText}`];
  for (const t of own) {
    if (t.status === "pass") continue;
    const label = `${t.kind === "guard" ? "guard: " : ""}${t.name.replace(/^lesson \d+: /, "")}`;
    lines.push(`    ${MARK.fail} ${label}${t.status === "error" || t.message.startsWith("this test was skipped") || t.message.startsWith("did not run") ? ` (${t.message.split("\n")[0]})` : ""}`);
  }
  return lines;
}
