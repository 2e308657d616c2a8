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
    // LAB_TARGETS: each test file against its own stage (vitest-target.ts).
    setupFiles: [fileURLToPath(new URL("./vitest-target.ts", import.meta.url))],
    includeTaskLocation: true,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Test files run in parallel (each starts its own servers); verify lowers this when it
    // runs two stages at once.
    poolOptions: { forks: { maxForks: workers, minForks: 1 } },
    // No test file at all is a mistake in the request, never a pass.
    passWithNoTests: false,
  },
});
