// The vitest settings for the lab's test runs (lesson, grade, verify): the stage tests under
// test/lessons, reported by vitest-reporter.ts into a JSON file rather than on screen.
// run-tests.ts passes the files to run, the course root (--root) and, in the environment,
// FTP_TARGET (which stage the tests start), LAB_REPORT_FILE and LAB_WORKERS.

import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const workers = Math.max(1, Number(process.env["LAB_WORKERS"]) || 3);

export default defineConfig({
  test: {
    include: ["test/lessons/*.test.ts"],
    reporters: [fileURLToPath(new URL("./vitest-reporter.ts", import.meta.url))],
    includeTaskLocation: true,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    poolOptions: { forks: { maxForks: workers, minForks: 1 } },
    // The stage tests start servers; a file that runs alone must not be cut short by a
    // teardown of another. Nothing else to isolate: every test talks to its own process.
    passWithNoTests: false,
  },
});
