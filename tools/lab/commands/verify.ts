// `npm run verify` (maintainers, and CI): is the course sound? One line per check, ✓ or ✗:
//
//   ✓ gen --check: solutions, starters and README regions are up to date (18 excerpts, ...)
//   ✓ type-check: every solution and starter compiles (tsconfig.stages.json)
//   ✓ stage tests: test/lessons has a test file for each of the 7 lessons
//   ✓ final passes lessons 1-7 (61 tests)
//   ✓ solution 7 passes lessons 1-7 (61 tests)
//   ✓ starter 7 fails 3 of 6 tests of lesson 7, passes lessons 1-6
//   ...
//   ✓ excerpts: 18 quoted in the READMEs, all current
//   verify: all 19 checks pass (3m05s)
//
// Exit code 1 when any check fails. Each stage is one vitest process with all the test files it
// needs; two run at a time (--jobs), each running two test files at a time (--workers).

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { main as gen } from "../../curriculum/gen.ts";
import { REPO_ROOT } from "../../curriculum/manifest.ts";
import { exists, stageTestFile, type Course } from "../course.ts";
import { cleanMessage, clipLines } from "../error-text.ts";
import { checkExcerpts } from "../excerpts.ts";
import { MARK, type Io } from "../io.ts";
import { LabError } from "../lab-error.ts";
import { byLesson, missingTools } from "../lesson-results.ts";
import { PINNED_MANIFEST, readPinned, staleEntries } from "../pinned.ts";
import { runStageTests } from "../run-tests.ts";
import { judge, planStageChecks, type StageCheck, type Verdict } from "../stage-checks.ts";

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
  const tasks: Array<() => Promise<Verdict>> = [() => typeCheck(course)];
  if (options.tests !== false) {
    for (const check of planStageChecks(course)) tasks.push(() => runCheck(course, check, workers));
  }
  await inPool(tasks, jobs, report);
  report(await excerptCheck(course));

  const failed = verdicts.filter((v) => !v.ok).length;
  const time = elapsed(Date.now() - started);
  io.out(failed === 0 ? `verify: all ${verdicts.length} checks pass (${time})` : `verify: ${failed} of ${verdicts.length} checks fail (${time})`);
  return failed === 0 ? 0 : 1;
}

async function genCheck(course: Course): Promise<Verdict> {
  const lines: string[] = [];
  const code = await gen(["--check"], { root: course.root, stdout: (l) => lines.push(l), stderr: (l) => lines.push(l) });
  if (code === 0) {
    const counts = /\((.*)\)\s*$/.exec(lines.join(" "))?.[1];
    return { ok: true, lines: [`gen --check: solutions, starters and README regions are up to date${counts ? ` (${counts})` : ""}`] };
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

async function runCheck(course: Course, check: StageCheck, workers: number): Promise<Verdict> {
  if (!exists(course, `${check.target}/src/main.ts`)) {
    return { ok: false, lines: [`${check.label}: ${check.target}/src/main.ts does not exist (run \`npm run gen\`)`] };
  }
  const lessons = check.lessons.filter((l) => exists(course, stageTestFile(l)));
  if (lessons.length === 0) return { ok: false, lines: [`${check.label}: no stage test to run`] };
  if (check.expect === "starter" && !lessons.some((l) => l.id === check.lesson?.id)) {
    return { ok: false, lines: [`${check.label}: lesson ${check.lesson?.id} has no test file, so nothing shows the starter is incomplete`] };
  }
  const run = await runStageTests({
    root: course.root,
    files: lessons.map(stageTestFile),
    target: check.target,
    workers,
    timeoutMs: 60_000 + lessons.reduce((sum, l) => sum + l.timeoutSec * 1000, 0),
  });
  const results = byLesson(run, lessons);
  const verdict = judge({ ...check, lessons }, results);
  const seconds = `${Math.round(run.durationMs / 1000)}s`;
  const unhandled = run.unhandled.map((e) => `error outside any test: ${e.split("\n")[0]}`);
  // The course check is not done while a test could not run for want of a tool (curl, lftp).
  const environment = [...missingTools(results)].map(([tool, n]) => `${n} test${n === 1 ? "" : "s"} did not run, a tool is missing: ${tool}`);
  const problems = [...unhandled, ...environment];
  if (problems.length) return { ok: false, lines: [`${verdict.lines[0]} (${seconds}) but:`, ...verdict.lines.slice(1), ...problems] };
  return { ...verdict, lines: [`${verdict.lines[0]} (${seconds})`, ...verdict.lines.slice(1)] };
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
      if (code === 0) return resolve({ ok: true, lines: [`type-check: every solution and starter compiles (${STAGES_TSCONFIG})`] });
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
async function inPool(tasks: ReadonlyArray<() => Promise<Verdict>>, size: number, report: (v: Verdict) => void): Promise<void> {
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
