// What one run of the stage tests found, in a shape the lab commands share: the vitest child
// writes it (vitest-reporter.ts), run-tests.ts reads it, and lesson, grade and verify turn it
// into friendly lines, results.json or a verdict.
//
//   { file: "test/lessons/02-passive-ports.test.ts", suites: ["EPSV"],
//     name: "answers 229 with the port", state: "fail",
//     message: "Expected a 229 reply to \"EPSV\" ...", line: 41, durationMs: 120 }

/**
 * pass / fail: the test ran. error: it could not run (its file did not load, a beforeAll
 * hook failed, the run timed out). skip / todo: the test file itself skipped it, or it needs
 * a tool this machine lacks (then `missingTool` says which).
 */
export type TestState = "pass" | "fail" | "error" | "skip" | "todo";

export interface TestOutcome {
  /** Posix path relative to the course root: "test/lessons/01-local-authorizer.test.ts". */
  file: string;
  /** The describe() titles around the test, outermost first. */
  suites: string[];
  name: string;
  state: TestState;
  /** Why it failed, without stack frames (empty when it passed). */
  message: string;
  /** Where the test is declared in its file (0 when unknown). */
  line: number;
  durationMs: number;
  /**
   * Set when the test did not run because a real tool it drives is not installed (an environment
   * problem, not the learner's code): "lftp (sudo apt-get install lftp)". Its state is "skip".
   */
  missingTool?: string;
}

/** What the reporter writes into the file named by $LAB_REPORT_FILE. */
export interface RawReport {
  version: 1;
  tests: TestOutcome[];
  /** Files that failed as a whole (did not load, or a file-level hook threw) and hold no test. */
  brokenFiles: Array<{ file: string; message: string }>;
  /** Errors vitest caught outside any test (an unhandled rejection in a test file, say). */
  unhandled: string[];
}

/** The name a person reads: "EPSV › answers 229 with the port". */
export function displayName(test: Pick<TestOutcome, "suites" | "name">): string {
  return [...test.suites, test.name].join(" › ");
}
