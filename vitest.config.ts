import { defineConfig } from "vitest/config";

// Tests start real server processes and talk to them over loopback sockets, so they
// are I/O-bound: a few files in parallel is faster, many just fight over 2 cores.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", "./test/summary-reporter.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    poolOptions: { forks: { maxForks: 3, minForks: 1 } },
  },
});
