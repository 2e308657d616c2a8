// A graded run: every stage test of the graded lessons as one entry with its share of the
// points, ready to be written as GitHub Classroom's results.json or as JUnit XML.
//
//   gradeRun(results, unhandled, pinned.lessons)
//   -> [{ lesson: 1, name: "lesson 1: logs in a user with the right password", status: "pass",
//         score: 2.5, maxScore: 2.5, kind: "requirement", ... },
//       { lesson: 1, name: "lesson 1: a wrong password gets 530", status: "pass",
//         score: 0, maxScore: 0, kind: "guard", ... }, ...]
//
// With the lesson's tests known (tools/lab/graded-manifest.json, see pinned.ts):
// - a lesson's points are shared over its requirement tests; a guard (a test the untouched
//   starter already passes) carries none, and each failing guard cancels the share of one
//   passing requirement;
// - a known test that did not run (skipped, todo, filtered out, removed) counts as failed;
// - only a test skipped for want of a tool or of IPv6 on this machine is left out (an
//   environment problem, reported as such), like a test that failed because the machine had
//   no free port (status "error", marked `environment`).
// A lesson whose tests could not run at all scores nothing.

import { clipLines } from "./error-text.ts";
import type { Lesson } from "./course.ts";
import type { LessonResult } from "./lesson-results.ts";
import { testKey, type LessonTests } from "./pinned.ts";
import { spreadPoints } from "./scoring.ts";
import { displayName, type TestOutcome } from "./test-results.ts";

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
  /** requirement: carries points; guard: passes on the starter, carries none; problem: the run broke. */
  kind: "requirement" | "guard" | "problem";
  /** Failed because of the machine (no free port, a tool missing), not the learner's code. */
  environment: boolean;
}

const MAX_MESSAGE_LINES = 80;

/**
 * "freeRange: no free range ...", EADDRINUSE, a set-up or tear-down hook of the harness that ran
 * out of time (a machine too busy: the server's start has its own limit and message): the
 * machine failed the test, not the code under test.
 */
export function isEnvironmentFailure(message: string): boolean {
  return /environment error:|no free (range|port)|EADDRINUSE|address already in use|^Hook timed out in \d+ms/im.test(message);
}

interface Entry {
  name: string;
  status: GradeStatus;
  message: string;
  line: number;
  durationMs: number;
  kind: GradedTest["kind"];
  environment: boolean;
  /** Left out of the shares (did not run for want of a tool or IPv6 here). */
  leftOut: boolean;
}

function entryOf(lessonId: number, t: TestOutcome, kind: Entry["kind"]): Entry {
  const base = { name: `lesson ${lessonId}: ${displayName(t)}`, line: t.line, durationMs: t.durationMs, kind };
  if (t.missingTool) return { ...base, status: "error", message: t.message, environment: true, leftOut: true };
  if (t.state === "pass") return { ...base, status: "pass", message: "", environment: false, leftOut: false };
  if (t.state === "skip" || t.state === "todo") {
    return { ...base, status: "fail", message: `this test was skipped (${t.state === "todo" ? ".todo" : ".skip, .only or a filter"}): a graded test that does not run counts as failed`, environment: false, leftOut: false };
  }
  const environment = isEnvironmentFailure(t.message);
  return { ...base, status: environment ? "error" : t.state, message: environment ? `environment error (this machine, not your code; rerun): ${t.message}` : t.message, environment, leftOut: false };
}

function entriesOf(result: LessonResult, known: LessonTests | undefined): Entry[] {
  const { lesson } = result;
  const problems: Entry[] = result.problems.map((problem) => ({
    name: `lesson ${lesson.id}: could not be tested`,
    status: "error" as const,
    message: problem,
    line: 0,
    durationMs: 0,
    kind: "problem" as const,
    environment: isEnvironmentFailure(problem),
    leftOut: false,
  }));
  if (!known) {
    // No list of the lesson's tests: grade what ran (skips still fail), a broken run is worth nothing.
    const ran = result.tests.map((t) => entryOf(lesson.id, t, "requirement"));
    return [...ran, ...problems];
  }
  const byKey = new Map(result.tests.map((t) => [testKey(t.suites, t.name), t]));
  const why = result.problems[0]?.split("\n")[0];
  const expected = (key: string, kind: Entry["kind"]): Entry => {
    const t = byKey.get(key);
    if (t) return entryOf(lesson.id, t, kind);
    return {
      name: `lesson ${lesson.id}: ${key}`,
      status: "fail",
      message: why ? `did not run: ${why}` : "did not run (removed, renamed or filtered out): a graded test that does not run counts as failed",
      line: 0,
      durationMs: 0,
      kind,
      environment: false,
      leftOut: false,
    };
  };
  return [...known.requirements.map((k) => expected(k, "requirement")), ...known.guards.map((k) => expected(k, "guard")), ...problems.map((p) => ({ ...p, kind: "problem" as const }))];
}

export function gradeRun(results: readonly LessonResult[], unhandled: readonly string[] = [], known: Readonly<Record<string, LessonTests>> = {}): GradedTest[] {
  const graded: GradedTest[] = [];
  for (const result of results) {
    const { lesson } = result;
    const lessonTests = known[String(lesson.id)];
    const entries = entriesOf(result, lessonTests);
    // Who shares the points: the requirements that could run here (without a list of the
    // lesson's tests, a problem entry shares too, so a broken run is worth nothing).
    const sharing = entries.filter((e) => !e.leftOut && (e.kind === "requirement" || (e.kind === "problem" && !lessonTests)));
    const shares = spreadPoints(lesson.points, sharing.length);
    const maxOf = new Map(sharing.map((e, i) => [e, shares[i] ?? 0]));
    // Each failing guard cancels the share of one passing requirement (the last ones first).
    let cancel = entries.filter((e) => e.kind === "guard" && e.status !== "pass" && !e.leftOut && !e.environment).length;
    const cancelled = new Set<Entry>();
    for (const e of [...sharing].reverse()) {
      if (cancel === 0) break;
      if (e.status === "pass" && e.kind === "requirement") {
        cancelled.add(e);
        cancel--;
      }
    }
    // A test that did not run for want of a tool is left out (environmentLines() says so).
    for (const entry of entries.filter((e) => !e.leftOut)) {
      const maxScore = maxOf.get(entry) ?? 0;
      const note = cancelled.has(entry) ? "passes, but earns nothing while a guard of this lesson fails (a guard is a test the untouched starter already passes: what must keep working)" : "";
      graded.push({
        lesson,
        name: entry.name,
        status: entry.status,
        message: clipLines(note || entry.message, MAX_MESSAGE_LINES),
        line: entry.line,
        durationMs: entry.durationMs,
        kind: entry.kind,
        environment: entry.environment,
        score: entry.status === "pass" && !cancelled.has(entry) ? maxScore : 0,
        maxScore,
        file: result.file,
      });
    }
  }
  // An error outside every test (an unhandled rejection) fails the run but is worth nothing.
  for (const error of unhandled) {
    const last = results[results.length - 1];
    if (!last) break;
    graded.push({ lesson: last.lesson, name: "an error outside any test", status: "error", score: 0, maxScore: 0, message: clipLines(error, MAX_MESSAGE_LINES), file: "", line: 0, durationMs: 0, kind: "problem", environment: isEnvironmentFailure(error) });
  }
  return graded;
}
