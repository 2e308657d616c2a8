// `npm run lesson N`: test your server (workspace/src) on lesson N, then check that lessons
// 0..N-1 still pass, and say what to do next. `npm run lesson` alone lists the lessons and your
// progress. `--target solutions/NN-slug`, `final` or any folder with src/main.ts tests that
// instead (and records no progress).
//
//   $ npm run lesson 2
//   Lesson 2: Passive ports: PASV and EPSV from a port range, listening on all interfaces
//   Testing workspace/src with the tests of lesson 2, then lessons 1, 0 ...
//
//   Lesson 2
//     ✓ PASV › answers 227 with an address and a port
//     ✗ EPSV › answers 229 with the port
//   Lesson 1 (should still pass)
//     ✓ all 8 tests pass
//
//   First failure: EPSV › answers 229 with the port
//       Expected a 229 reply to "EPSV", got 502 ...
//
//   What next
//     1. Edit your server in workspace/src: lessons/02-passive-ports/README.md says what ...
//     2. Stuck? `npm run hint 2` ...
//
//   9 passed, 1 failed
//
// Exit code 0 only when every test passes.

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { exists, findLesson, lessonsThrough, referenceFolder, requireStage, resolveTarget, stageTestFile, WORKSPACE, type Course, type Lesson } from "../course.ts";
import { clipLines, indent } from "../error-text.ts";
import { parseHints } from "../hints.ts";
import { LabError } from "../lab-error.ts";
import { MARK, plural, type Io } from "../io.ts";
import { allPass, byLesson, countLine, countResults, environmentLines, type LessonResult } from "../lesson-results.ts";
import { gradeRun } from "../graded-tests.ts";
import { readPinned } from "../pinned.ts";
import { lessonProgress, readProgress, updateLesson, type LessonStatus } from "../progress.ts";
import { runStageTests } from "../run-tests.ts";
import { displayName, type TestOutcome } from "../test-results.ts";
import { findTodos } from "../todos.ts";

export interface LessonOptions {
  /** The server to test: the workspace by default, or solutions/NN-slug, final, a folder. */
  target?: string;
}

export async function lessonCommand(arg: string | undefined, course: Course, io: Io, options: LessonOptions = {}): Promise<number> {
  if (arg === undefined) return listLessons(course, io);
  const lesson = findLesson(course, arg);
  const folder = resolveTarget(course, options.target);
  requireStage(course, folder);
  const learners = folder === WORKSPACE;
  const own = stageTestFile(lesson);
  if (!exists(course, own)) throw new LabError(`lesson ${lesson.id} has no tests yet (${own} does not exist)`);

  // This lesson's tests first, then the earlier lessons', newest first: a break in the code
  // just written shows up before one in older code.
  const earlier = lessonsThrough(course, lesson).filter((l) => l.id !== lesson.id).reverse();
  const missing = earlier.filter((l) => !exists(course, stageTestFile(l)));
  const regression = earlier.filter((l) => !missing.includes(l));
  const lessons = [lesson, ...regression];

  io.out(`Lesson ${lesson.id}: ${lesson.title}`);
  const also = regression.length ? `, then ${regression.length === 1 ? "lesson" : "lessons"} ${regression.map((l) => l.id).join(", ")}` : "";
  io.out(`Testing ${folder}/src with the tests of lesson ${lesson.id}${also} ...`);
  io.out("");

  const run = await runStageTests({
    root: course.root,
    files: lessons.map(stageTestFile),
    target: folder,
    timeoutMs: 30_000 + lessons.reduce((sum, l) => sum + l.timeoutSec * 1000, 0),
  });
  const results = byLesson(run, lessons);
  const [mine, ...older] = results as [LessonResult, ...LessonResult[]];

  io.out(`Lesson ${lesson.id}`);
  for (const line of requirementLines(mine)) io.out(`  ${line}`);
  if (older.length) io.out(`Lesson${older.length > 1 ? "s" : ""} ${older.map((r) => r.lesson.id).join(", ")} (should still pass)`);
  for (const result of older) for (const line of regressionLines(result, older.length > 1)) io.out(`  ${line}`);
  for (const l of missing) io.out(`  ${MARK.none} lesson ${l.id}: no tests yet (${stageTestFile(l)} is missing), not checked`);
  for (const error of run.unhandled) io.out(`  ${MARK.fail} an error outside any test: ${firstLine(error)}`);
  io.out("");

  const passed = allPass(results, run);
  // Progress counts what the grader pays for: the lesson's requirement tests that earn points
  // (a guard, which the untouched starter already passes, earns none).
  // Only the learner's own server counts for the progress.
  if (learners) {
    const requirements = gradeRun([mine], [], readPinned(course)?.lessons ?? {}).filter((t) => t.kind === "requirement");
    updateLesson(course.root, lesson.id, (entry) => ({
      ...entry,
      status: (passed ? "passed" : "failing") satisfies LessonStatus,
      lastRun: new Date().toISOString(),
      passed: requirements.filter((t) => t.score > 0).length,
      total: requirements.length,
    }));
  }

  if (passed) {
    io.out(congratulations(course, lesson, mine, older));
    if (!folder.startsWith("solutions/") && folder !== "final") io.out(compareLine(course, lesson));
  } else {
    explainFirstFailure(results, run.unhandled, io);
    await whatNext(course, lesson, folder, mine, serverDidNotStart(results), io);
  }
  io.out("");
  const environment = environmentLines(results, `npm run lesson ${lesson.id}`);
  for (const line of environment) io.out(line);
  if (environment.length) io.out("");
  io.out(countLine(countResults(results, run)));
  return passed ? 0 : 1;
}

function testLine(t: TestOutcome, name = displayName(t)): string {
  return `${markOf(t)} ${name}${t.missingTool ? ` (not run: needs ${t.missingTool.replace(/ \((sudo [^)]+)\)/g, ": $1")})` : t.state === "skip" || t.state === "todo" ? " (skipped)" : ""}`;
}

/** A test file whose top-level describe blocks are "part 1: ...", "part 2: ..." (lesson 0). */
const PART = /^part\s+\d+\b/i;
/** Failing tests listed under a part before "... and N more". */
const SHOWN_PER_PART = 6;

function requirementLines(result: LessonResult): string[] {
  const lines = result.tests.some((t) => PART.test(t.suites[0] ?? "")) ? partLines(result.tests) : result.tests.map((t) => testLine(t));
  for (const problem of result.problems) lines.push(`${MARK.fail} ${firstLine(problem)}`);
  return lines;
}

/** One line per part (✓ when all its tests pass), its failing tests under it. */
function partLines(tests: readonly TestOutcome[]): string[] {
  const parts = new Map<string, TestOutcome[]>();
  for (const t of tests) {
    const part = PART.test(t.suites[0] ?? "") ? t.suites[0]! : "other tests";
    parts.set(part, [...(parts.get(part) ?? []), t]);
  }
  const lines: string[] = [];
  for (const [part, own] of parts) {
    const failing = own.filter((t) => t.state === "fail" || t.state === "error");
    const passed = own.filter((t) => t.state === "pass").length;
    const skipped = own.length - passed - failing.length;
    const tail = skipped ? `, ${skipped} not run` : "";
    if (failing.length === 0) {
      lines.push(`${MARK.pass} ${part}: ${passed === own.length ? `all ${plural(passed, "test")} pass` : `${passed} of ${own.length} pass${tail}`}`);
      continue;
    }
    lines.push(`${MARK.fail} ${part}: ${passed} of ${own.length} pass${tail}`);
    for (const t of failing.slice(0, SHOWN_PER_PART)) lines.push(`    ${testLine(t, [...t.suites.slice(1), t.name].join(" › "))}`);
    if (failing.length > SHOWN_PER_PART) lines.push(`    ... and ${failing.length - SHOWN_PER_PART} more failing`);
  }
  return lines;
}

/** An earlier lesson in one line when it still passes; its failures spelled out when not. */
function regressionLines(result: LessonResult, named: boolean): string[] {
  const counts = countResults([result]);
  const label = named ? `lesson ${result.lesson.id}: ` : "";
  if (counts.failed === 0) return [`${MARK.pass} ${label}all ${plural(counts.passed, "test")} pass`];
  const lines = [`${MARK.fail} ${label}${counts.failed} of ${counts.passed + counts.failed} fail now:`];
  for (const t of result.tests) if (t.state === "fail" || t.state === "error") lines.push(`    ${MARK.fail} ${displayName(t)}`);
  for (const problem of result.problems) lines.push(`    ${MARK.fail} ${firstLine(problem)}`);
  return lines;
}

function markOf(test: TestOutcome): string {
  if (test.state === "pass") return MARK.pass;
  if (test.state === "skip" || test.state === "todo") return MARK.skip;
  return MARK.fail;
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? "";
}

function explainFirstFailure(results: readonly LessonResult[], unhandled: readonly string[], io: Io): void {
  for (const result of results) {
    const failed = result.tests.find((t) => t.state === "fail" || t.state === "error");
    const regression = result !== results[0];
    const where = regression ? ` (lesson ${result.lesson.id}, which passed before: your change broke it)` : "";
    if (failed) {
      io.out(`First failure: ${displayName(failed)}${where}`);
      io.out(indent(clipLines(failed.message || "(the test gave no message)", 60), "    "));
      io.out(`    (test: ${failed.file}${failed.line ? `:${failed.line}` : ""})`);
      io.out("");
      return;
    }
    if (result.problems[0]) {
      io.out(`First failure: lesson ${result.lesson.id}${where}`);
      io.out(indent(clipLines(result.problems[0], 60), "    "));
      io.out("");
      return;
    }
  }
  if (unhandled[0]) {
    io.out("First failure: an error outside any test");
    io.out(indent(clipLines(unhandled[0], 60), "    "));
    io.out("");
  }
}

/** The harness's words when the server under test never printed its LISTENING line. */
function serverDidNotStart(results: readonly LessonResult[]): boolean {
  const first = results.flatMap((r) => r.tests).find((t) => t.state === "fail" || t.state === "error");
  return first !== undefined && /Server (exited before printing|did not print) "LISTENING/.test(first.message);
}

async function whatNext(course: Course, lesson: Lesson, folder: string, mine: LessonResult, notStarting: boolean, io: Io): Promise<void> {
  const src = `${folder}/src`;
  const todos = await findTodos(course.root, src, lesson.id);
  const ownDone = countResults([mine]).failed === 0;
  io.out("What next");
  if (notStarting) {
    io.out(`  0. Your server stops before it listens, so no test can talk to it: the reason is in its`);
    io.out(`     output above (stderr), often with the file and line. Fix that first.`);
  }
  if (ownDone) {
    io.out(`  1. Lesson ${lesson.id}'s own tests pass; an earlier lesson's do not. Compare your changes in`);
    io.out(`     ${src} with what that lesson needs (its test is named above).`);
  } else if (todos.length) {
    io.out(`  1. Edit ${src} where it says TODO(lesson ${lesson.id}):`);
    for (const todo of todos.slice(0, 12)) io.out(`       ${todo.file}:${todo.line}`);
    if (todos.length > 12) io.out(`       ... and ${todos.length - 12} more (grep -rn "TODO(lesson ${lesson.id})" ${src})`);
  } else {
    io.out(`  1. Edit your server in ${src}: the failing tests above say what lesson ${lesson.id} still needs.`);
  }
  const readme = `${lesson.dir}/README.md`;
  if (existsSync(path.join(course.root, readme))) io.out(`     The lesson text is ${readme}.`);
  const serve = folder === WORKSPACE ? `npm run serve ${lesson.id}` : `npm run serve -- ${lesson.id} --target ${folder}`;
  const again = folder === WORKSPACE ? `npm run lesson ${lesson.id}` : `npm run lesson -- ${lesson.id} --target ${folder}`;
  io.out(`  2. Stuck? \`npm run hint ${lesson.id}\` (${hintsLeft(course, lesson)})`);
  io.out(`  3. Try your server by hand: \`${serve}\`, then connect with curl, lftp or FileZilla.`);
  io.out(`  4. Then run \`${again}\` again.`);
  if (folder === WORKSPACE && lesson.id > (course.lessons[0]?.id ?? 0) && !ownDone) {
    io.out(`  Behind on an earlier lesson? \`npm run catch-up ${lesson.id}\` puts the reference of lesson ${lesson.id - 1} in ${src}`);
    io.out(`  (your work is saved first).`);
  }
}

/** Where to compare a passed lesson with the reference. */
function compareLine(course: Course, lesson: Lesson): string {
  const reference = referenceFolder(course, lesson);
  if (!reference) return `Compare with the reference of lesson ${lesson.id} when your teacher releases it.`;
  const notes = `${lesson.dir}/reference.md`;
  const how = existsSync(path.join(course.root, notes)) ? ` (how it does it: ${notes})` : "";
  return `Compare with the reference: ${reference}${how}.`;
}

function hintsLeft(course: Course, lesson: Lesson): string {
  const file = path.join(course.root, lesson.dir, "hints.md");
  if (!existsSync(file)) return "no hints written for this lesson yet";
  const total = parseHints(readFileSync(file, "utf8")).length;
  const used = Math.min(lessonProgress(readProgress(course.root), lesson.id).hintsUsed, total);
  if (used === 0) return `${plural(total, "hint")}, none read yet`;
  if (used >= total) return `you have read all ${total}; \`npm run hint -- ${lesson.id} --all\` shows them again`;
  return `${used} of ${total} read`;
}

function congratulations(course: Course, lesson: Lesson, mine: LessonResult, older: readonly LessonResult[]): string {
  const own = countResults([mine]).passed;
  const still = older.length === 0 ? "" : older.length === 1 ? `, and lesson ${older[0]!.lesson.id} still does` : `, and lessons ${older.map((r) => r.lesson.id).sort((a, b) => a - b).join(", ")} still do`;
  const next = course.lessons.find((l) => l.id === lesson.id + 1);
  const then = next
    ? `Next: lesson ${next.id}, ${next.title}: \`npm run lesson ${next.id}\``
    : "That was the last lesson: your server does what final/src does for every lesson's tests. Well done!";
  return `${MARK.pass} Lesson ${lesson.id} is done: all ${plural(own, "requirement")} pass${still}.\n${then}`;
}

// ---------------------------------------------------------------------------------------------
// `npm run lesson` without a number

function listLessons(course: Course, io: Io): number {
  const progress = readProgress(course.root);
  io.out("Lessons (✓ passed, ✗ failing, · not tried yet):");
  for (const lesson of course.lessons) {
    const entry = lessonProgress(progress, lesson.id);
    const mark = entry.status === "passed" ? MARK.pass : entry.status === "failing" ? MARK.fail : MARK.none;
    const hints = entry.hintsUsed ? `  (${plural(entry.hintsUsed, "hint")} used)` : "";
    io.out(`  ${mark} ${String(lesson.id).padStart(2)}  ${lesson.title}${hints}`);
  }
  const next = course.lessons.find((l) => lessonProgress(progress, l.id).status !== "passed");
  io.out("");
  io.out(next ? `Work on a lesson: \`npm run lesson ${next.id}\` (its text: ${next.dir}/README.md)` : "Every lesson passes. Well done!");
  return 0;
}
