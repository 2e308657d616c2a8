// `npm run verify` (maintainers, and CI): is the course sound? One line per check, ✓ or ✗:
//
//   ✓ gen --check: solutions, workspace and README regions are up to date (18 excerpts, ...)
//   ✓ type-check: every solution and the workspace compile (tsconfig.stages.json)
//   ✓ stage tests: test/lessons has a test file for each of the 8 lessons
//   ✓ final passes lessons 0-7 (112 tests)
//   ✓ solution 0 passes lesson 0 (51 tests)
//   ✓ solution 1 passes lessons 0-1 (60 tests)
//   ...
//   ✓ the kit scores 0/10 on lesson 0 (fails 51 of 51 tests)
//   ✓ solution 0 scores 2.5/10 on lesson 1 (fails 6 of 9 tests)
//   ...
//   ✓ excerpts: 18 quoted in the READMEs, all current
//   verify: all 21 checks pass (3m05s)
//   (then the lines each lesson writes: npm run course:lines)
//
// Exit code 1 when any check fails. The stage tests run in a few vitest processes, each testing
// every test file against its own stage (stage-checks.ts planRuns); two run at a time (--jobs),
// each running two test files at a time (--workers). The kit is tested as gen writes it (a
// fresh projection in .lab/verify/kit), whatever the learner did to workspace/.

import { spawn } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { syncTree } from "../../curriculum/file-tree.ts";
import { main as gen } from "../../curriculum/gen.ts";
import { projectKit } from "../../curriculum/generate.ts";
import { linesTable, linesWritten } from "../../curriculum/lines-written.ts";
import { REPO_ROOT } from "../../curriculum/manifest.ts";
import { exists, stageTestFile, type Course, type Lesson } from "../course.ts";
import { cleanMessage, clipLines } from "../error-text.ts";
import { checkExcerpts } from "../excerpts.ts";
import { MARK, type Io } from "../io.ts";
import { LabError } from "../lab-error.ts";
import { gradeRun } from "../graded-tests.ts";
import { byLesson, missingTools, type LessonResult } from "../lesson-results.ts";
import { PINNED_MANIFEST, readPinned, staleEntries } from "../pinned.ts";
import { runStageTests } from "../run-tests.ts";
import { sumPoints } from "../scoring.ts";
import { judge, planRuns, planStageChecks, stageName, type Stage, type StageRun, type Verdict } from "../stage-checks.ts";

/** Where verify writes the kit it tests (under the course root, so the stage finds node_modules). */
export const VERIFY_KIT = ".lab/verify/kit";

export const STAGES_TSCONFIG = "tsconfig.stages.json";

export interface VerifyOptions {
  jobs?: string;
  workers?: string;
  /** Skip the stage test runs (gen --check, type-check and excerpts only). */
  tests?: boolean;
}

export async function verifyCommand(options: VerifyOptions, course: Course, io: Io): Promise<number> {
  const jobs = count(options.jobs ?? "2", "--jobs");
  const workers = count(options.workers ?? "2", "--workers");
  const started = Date.now();
  const verdicts: Verdict[] = [];
  const report = (verdict: Verdict) => {
    verdicts.push(verdict);
    const [head, ...rest] = verdict.lines;
    io.out(`${verdict.ok ? MARK.pass : MARK.fail} ${head}`);
    for (const line of rest) io.out(`    ${line}`);
  };

  report(await genCheck(course));
  report(checkTestFiles(course));
  report(checkPinned(course));

  // The type-check and the stage runs share the --jobs slots.
  const tasks: Array<() => Promise<Verdict | null>> = [() => typeCheck(course)];
  const outcomes: RunOutcome[] = [];
  if (options.tests !== false) {
    await writeKit(course);
    for (const run of planRuns(course)) tasks.push(async () => {
      outcomes.push(await stageRun(course, run, workers));
      return null;
    });
  }
  try {
    await inPool(tasks, jobs, (v) => v && report(v));
  } finally {
    rmSync(path.join(course.root, VERIFY_KIT), { recursive: true, force: true });
  }
  if (options.tests !== false) for (const verdict of stageVerdicts(course, outcomes)) report(verdict);
  report(await excerptCheck(course));

  const failed = verdicts.filter((v) => !v.ok).length;
  const time = elapsed(Date.now() - started);
  io.out(failed === 0 ? `verify: all ${verdicts.length} checks pass (${time})` : `verify: ${failed} of ${verdicts.length} checks fail (${time})`);
  await printLines(course, io);
  return failed === 0 ? 0 : 1;
}

async function printLines(course: Course, io: Io): Promise<void> {
  try {
    const rows = await linesWritten(path.join(course.root, "final", "src"), course.lessons);
    io.out("");
    io.out("Lines each lesson has the learner write (npm run course:lines):");
    for (const line of linesTable(rows)) io.out(line);
  } catch (err) {
    io.out(`(lines written: ${(err as Error).message.split("\n")[0]})`);
  }
}

/** The kit as gen writes it into workspace/src, in a folder of verify's own. */
async function writeKit(course: Course): Promise<void> {
  const dir = path.join(course.root, VERIFY_KIT);
  rmSync(dir, { recursive: true, force: true });
  await syncTree(path.join(dir, "src"), await projectKit(path.join(course.root, "final", "src"), course.lessons), new Map());
}

function folderOf(course: Course, stage: Stage): string {
  if (stage === "final") return "final";
  if (stage === "kit") return VERIFY_KIT;
  return course.lessons.find((l) => l.id === stage)!.solutionDir;
}

interface RunOutcome {
  run: StageRun;
  /** One result per pair of the run (same order). */
  results: LessonResult[];
  seconds: number;
  /** Errors outside any test, missing tools: they make every check of the run fail. */
  problems: string[];
}

async function stageRun(course: Course, run: StageRun, workers: number): Promise<RunOutcome> {
  const pairs = run.pairs.filter((p) => exists(course, stageTestFile(p.lesson)) && exists(course, `${folderOf(course, p.stage)}/src/main.ts`));
  const missing = (p: { stage: Stage; lesson: Lesson }): LessonResult => {
    const file = stageTestFile(p.lesson);
    const problem = exists(course, file) ? `${folderOf(course, p.stage)}/src/main.ts does not exist (run \`npm run gen\`)` : `${file} does not exist`;
    return { lesson: p.lesson, file, tests: [], problems: [problem] };
  };
  if (pairs.length === 0) return { run, results: run.pairs.map(missing), seconds: 0, problems: [] };
  const lessons = pairs.map((p) => p.lesson);
  const testRun = await runStageTests({
    root: course.root,
    files: lessons.map(stageTestFile),
    target: "final",
    targets: Object.fromEntries(pairs.map((p) => [stageTestFile(p.lesson), folderOf(course, p.stage)])),
    workers,
    timeoutMs: 60_000 + lessons.reduce((sum, l) => sum + l.timeoutSec * 1000, 0),
  });
  const found = byLesson(testRun, lessons);
  const results = run.pairs.map((p) => found.find((r) => r.lesson.id === p.lesson.id) ?? missing(p));
  const unhandled = testRun.unhandled.map((e) => `error outside any test (run "${run.label}"): ${e.split("\n")[0]}`);
  // The course check is not done while a test could not run for want of a tool (curl, lftp).
  const environment = [...missingTools(found)].map(([tool, n]) => `${n} test${n === 1 ? "" : "s"} did not run, a tool is missing: ${tool}`);
  return { run, results, seconds: Math.round(testRun.durationMs / 1000), problems: [...unhandled, ...environment] };
}

/** Every stage check, judged from the results of the runs that hold its pairs. */
function stageVerdicts(course: Course, outcomes: readonly RunOutcome[]): Verdict[] {
  const pinned = readPinned(course)?.lessons ?? {};
  return planStageChecks(course).map((check) => {
    const results: LessonResult[] = [];
    const problems = new Set<string>();
    let seconds = 0;
    for (const lesson of check.lessons) {
      for (const outcome of outcomes) {
        const index = outcome.run.pairs.findIndex((p) => p.stage === check.stage && p.lesson.id === lesson.id);
        if (index < 0) continue;
        results.push(outcome.results[index]!);
        for (const p of outcome.problems) problems.add(p);
        seconds = Math.max(seconds, outcome.seconds);
      }
    }
    if (results.length === 0) return { ok: false, lines: [`${check.label}: no stage test ran for ${stageName(check.stage)}`] };
    const score = check.lesson ? sumPoints(gradeRun(results.filter((r) => r.lesson.id === check.lesson!.id), [], pinned).map((t) => t.score)) : 0;
    const verdict = judge(check, results, score);
    if (problems.size) return { ok: false, lines: [`${verdict.lines[0]} but:`, ...verdict.lines.slice(1), ...problems] };
    return verdict;
  });
}

async function genCheck(course: Course): Promise<Verdict> {
  const lines: string[] = [];
  const code = await gen(["--check"], { root: course.root, stdout: (l) => lines.push(l), stderr: (l) => lines.push(l) });
  if (code === 0) {
    const counts = /\((.*)\)\s*$/.exec(lines.join(" "))?.[1];
    return { ok: true, lines: [`gen --check: solutions, workspace and README regions are up to date${counts ? ` (${counts})` : ""}`] };
  }
  // gen ends with its own summary ("gen --check: 2 differences ...; run `npm run gen` ..."):
  // that is the headline, and the differences it listed are the details.
  const summary = [...lines].reverse().find((l) => l.startsWith("gen --check:") || l.startsWith("gen:"));
  const details = lines.filter((l) => l !== summary).flatMap((l) => l.split("\n"));
  const head = summary ? `${summary.replace(/^gen: /, "gen --check: ")}` : "gen --check: failed";
  return { ok: false, lines: [`${head}:`, ...details.slice(0, 12), ...(details.length > 12 ? [`... ${details.length - 12} more lines`] : [])] };
}

function checkTestFiles(course: Course): Verdict {
  const missing = course.lessons.filter((l) => !exists(course, stageTestFile(l))).map(stageTestFile);
  if (missing.length === 0) return { ok: true, lines: [`stage tests: test/lessons has a test file for each of the ${course.lessons.length} lessons`] };
  return { ok: false, lines: [`stage tests: ${missing.length} missing (the checks below run without them):`, ...missing] };
}

/** The graded files' hashes and test lists (pinned.ts) must match what grading runs today. */
function checkPinned(course: Course): Verdict {
  const manifest = readPinned(course);
  if (!manifest) return { ok: false, lines: [`pinned: ${PINNED_MANIFEST} is missing (npx tsx tools/lab/main.ts pin)`] };
  const stale = staleEntries(course, manifest);
  const unknown = course.lessons.filter((l) => exists(course, stageTestFile(l)) && !manifest.lessons[String(l.id)]).map((l) => `lesson ${l.id} has no test list`);
  if (stale.length === 0 && unknown.length === 0) return { ok: true, lines: [`pinned: ${Object.keys(manifest.files).length} graded files match ${PINNED_MANIFEST}`] };
  return { ok: false, lines: [`pinned: ${PINNED_MANIFEST} is stale (npx tsx tools/lab/main.ts pin; --hashes-only when no stage test was added, removed or renamed):`, ...[...stale, ...unknown].slice(0, 10)] };
}

function typeCheck(course: Course): Promise<Verdict> {
  const config = path.join(course.root, STAGES_TSCONFIG);
  if (!existsSync(config)) return Promise.resolve({ ok: false, lines: [`type-check: ${STAGES_TSCONFIG} is missing`] });
  const tsc = path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [tsc, "--noEmit", "-p", config], { cwd: course.root, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (output += c.toString("utf8")));
    child.once("close", (code) => {
      if (code === 0) return resolve({ ok: true, lines: [`type-check: every solution and the workspace compile (${STAGES_TSCONFIG})`] });
      const errors = cleanMessage(output).split("\n").filter((l) => /error TS\d+/.test(l));
      resolve({ ok: false, lines: [`type-check: ${errors.length || "some"} errors in the generated stages (npx tsc --noEmit -p ${STAGES_TSCONFIG}):`, ...clipLines(errors.join("\n") || output.trim(), 10).split("\n")] });
    });
  });
}

async function excerptCheck(course: Course): Promise<Verdict> {
  const { checked, problems } = await checkExcerpts(course.root, course.lessons);
  if (problems.length === 0) {
    return { ok: true, lines: [checked === 0 ? "excerpts: no README quotes code yet" : `excerpts: ${checked} quoted in the READMEs, all current`] };
  }
  const shown = problems.flatMap((p) => p.split("\n"));
  return { ok: false, lines: [`excerpts: ${problems.length} of ${checked} are wrong (\`npm run gen\` rewrites them):`, ...shown.slice(0, 20), ...(shown.length > 20 ? [`... ${shown.length - 20} more lines`] : [])] };
}

/** Runs the tasks, at most `size` at a time, reporting each result as it comes. */
async function inPool<T>(tasks: ReadonlyArray<() => Promise<T>>, size: number, report: (v: T) => void): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      report(await task());
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, tasks.length) }, worker));
}

function count(text: string, flag: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 16) throw new LabError(`${flag} ${JSON.stringify(text)}: give a number from 1 to 16`);
  return n;
}

function elapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}
