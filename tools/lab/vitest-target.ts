// A vitest setup file for the lab's runs: one run can test each file against its own stage.
// run-tests.ts passes LAB_TARGETS, a JSON map from test file (relative to the course root) to
// the stage it tests; before each file runs, this sets FTP_TARGET for it.
//
//   LAB_TARGETS='{"test/lessons/01-local-authorizer.test.ts":"lessons/01-local-authorizer", ...}'

import path from "node:path";
import { expect } from "vitest";

const targets = JSON.parse(process.env["LAB_TARGETS"] || "{}") as Record<string, string>;
const testPath = expect.getState().testPath;
if (testPath) {
  const relative = path.relative(process.cwd(), testPath).split(path.sep).join("/");
  const target = targets[relative];
  if (target !== undefined) process.env["FTP_TARGET"] = target;
}
