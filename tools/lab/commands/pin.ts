// `npx tsx tools/lab/main.ts pin` (maintainers): writes tools/lab/graded-manifest.json, the
// pinned copy of what grading depends on (pinned.ts): the SHA-256 of every graded file, and per
// lesson its requirement tests and its guards. Two test runs: every stage test against final
// (which must pass them all: that is the list of tests), then each lesson's tests against what
// the learner has before the lesson (what passes there is a guard): for the first lesson the
// kit (starter 0, projected from final/src into .lab/pin/kit), for lesson N the solution of
// lesson N-1 (the learner's own lesson N-1, in one workspace).
//
//   $ npx tsx tools/lab/main.ts pin
//   final: 120 tests of lessons 1-7 pass
//   lesson 1: 7 requirements, 4 guards (pass on solutions/00-protocol-core)
//   ...
//   Wrote tools/lab/graded-manifest.json (52 files pinned)
//
// `pin --hashes-only` rewrites only the hashes (seconds, no test run), for changes to pinned
// files that add, remove or rename no stage test.

import { rmSync } from "node:fs";
import path from "node:path";
import { syncTree } from "../../curriculum/file-tree.ts";
import { exists, stageTestFile, type Course, type Lesson } from "../course.ts";
import { kitFiles } from "../handout-kit.ts";
import type { Io } from "../io.ts";
import { LabError } from "../lab-error.ts";
import { byLesson } from "../lesson-results.ts";
import { hashPinned, PINNED_MANIFEST, readPinned, testKey, writePinned, type LessonTests } from "../pinned.ts";
import { runStageTests } from "../run-tests.ts";

/** Where pin writes the kit for its baseline run (removed afterwards). */
const KIT_DIR = ".lab/pin/kit";

export async function pinCommand(options: { hashesOnly?: boolean; workers?: string }, course: Course, io: Io): Promise<number> {
  if (options.hashesOnly) {
    // Only the hashes: for a change that cannot alter which tests there are or what the
    // starters pass (a comment, the lab's own code). The lists are kept as they are.
    const old = readPinned(course);
    if (!old) throw new LabError(`${PINNED_MANIFEST} does not exist yet: run pin without --hashes-only`);
    const hashes = hashPinned(course);
    writePinned(course, { ...old, files: hashes });
    io.out(`Wrote ${PINNED_MANIFEST} (${Object.keys(hashes).length} files pinned; test lists kept)`);
    return 0;
  }
  const lessons = course.lessons.filter((l) => exists(course, stageTestFile(l)));
  const files = lessons.map(stageTestFile);
  const timeoutMs = 60_000 + lessons.reduce((sum, l) => sum + l.timeoutSec * 1000, 0);
  const workers = Math.max(1, Number(options.workers ?? 2) || 2);

  const finalRun = await runStageTests({ root: course.root, files, target: "final", timeoutMs, workers });
  let onFinal = byLesson(finalRun, lessons);
  // A busy machine fails a test now and then (a server slow to start): the lessons with a
  // failure run once more, alone, and that second run counts.
  const shaky = onFinal.filter((r) => r.problems.length > 0 || r.tests.some((t) => t.state !== "pass" && !t.missingTool)).map((r) => r.lesson);
  if (shaky.length > 0 && !finalRun.problem) {
    io.out(`final: lesson${shaky.length > 1 ? "s" : ""} ${shaky.map((l) => l.id).join(", ")} failed a test: running ${shaky.length > 1 ? "them" : "it"} once more, one file at a time`);
    const again = byLesson(await runStageTests({ root: course.root, files: shaky.map(stageTestFile), target: "final", timeoutMs, workers: 1 }), shaky);
    onFinal = onFinal.map((r) => again.find((a) => a.lesson.id === r.lesson.id) ?? r);
  }
  const broken = onFinal.flatMap((r) => [...r.problems, ...r.tests.filter((t) => t.state !== "pass" && !t.missingTool).map((t) => `${testKey(t.suites, t.name)}: ${t.state}`)].map((p) => `lesson ${r.lesson.id}: ${p.split("\n")[0]}`));
  if (finalRun.problem || broken.length > 0) {
    throw new LabError(`final must pass every stage test before they are pinned:\n${[finalRun.problem, ...broken].filter(Boolean).slice(0, 10).join("\n")}`, 1);
  }
  const total = onFinal.reduce((sum, r) => sum + r.tests.length, 0);
  io.out(`final: ${total} tests of lessons ${lessons[0]?.id}-${lessons[lessons.length - 1]?.id} ran`);

  // What each lesson starts from: the kit, or the previous lesson's solution.
  const kit = path.join(course.root, KIT_DIR);
  rmSync(kit, { recursive: true, force: true });
  await syncTree(path.join(kit, "src"), await kitFiles(course), new Map());
  const baseline = (l: Lesson) => {
    const before = course.lessons.filter((p) => p.id < l.id).pop();
    return before ? before.solutionDir : KIT_DIR;
  };
  const targets = Object.fromEntries(lessons.map((l) => [stageTestFile(l), baseline(l)]));
  let starterRun;
  try {
    starterRun = await runStageTests({ root: course.root, files, target: "final", targets, timeoutMs, workers });
  } finally {
    rmSync(path.join(course.root, ".lab", "pin"), { recursive: true, force: true });
  }
  if (starterRun.problem) throw new LabError(`the starters' run failed: ${starterRun.problem.split("\n")[0]}`, 1);
  const onStarters = byLesson(starterRun, lessons);

  const pinnedLessons: Record<string, LessonTests> = {};
  for (const result of onFinal) {
    const starter = onStarters.find((r) => r.lesson.id === result.lesson.id);
    const passOnStarter = new Set((starter?.tests ?? []).filter((t) => t.state === "pass").map((t) => testKey(t.suites, t.name)));
    const keys = result.tests.map((t) => testKey(t.suites, t.name));
    const duplicate = keys.find((k, i) => keys.indexOf(k) !== i);
    if (duplicate) throw new LabError(`lesson ${result.lesson.id}: two tests are named ${JSON.stringify(duplicate)}: give each its own name`, 1);
    const guards = keys.filter((k) => passOnStarter.has(k));
    const requirements = keys.filter((k) => !passOnStarter.has(k));
    const before = targets[stageTestFile(result.lesson)] === KIT_DIR ? "the kit" : targets[stageTestFile(result.lesson)];
    if (requirements.length === 0) {
      // Nothing would be graded: every test pays instead, and the maintainer is told (the kit
      // or a solution gives too much away; `npm run handout`'s test shows the kit's score).
      io.out(`lesson ${result.lesson.id}: WARNING: ${before} already passes every test: all ${keys.length} count as requirements, none as guards (the untouched ${before === "the kit" ? "kit" : "learner"} scores full marks here)`);
      pinnedLessons[String(result.lesson.id)] = { requirements: keys, guards: [] };
      continue;
    }
    pinnedLessons[String(result.lesson.id)] = { requirements, guards };
    io.out(`lesson ${result.lesson.id}: ${requirements.length} requirements, ${guards.length} guards (pass on ${before})`);
  }
  const hashes = hashPinned(course);
  writePinned(course, { version: 1, files: hashes, lessons: pinnedLessons });
  io.out(`Wrote ${PINNED_MANIFEST} (${Object.keys(hashes).length} files pinned)`);
  return 0;
}
