/**
 * Running the server's command line as a user would: `node --import tsx final/src/main.ts ...`
 * from the repo root, collecting exit code, stdout and stderr, with a hard time limit.
 */
import path from "node:path";

export const ENTRY = path.join("final", "src", "main.ts");

export { runCli, describeRun, type CliRun } from "../harness/cli-run.ts";
