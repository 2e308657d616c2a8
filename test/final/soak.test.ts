/**
 * A short soak (tools/soak, `npm run soak`): 100 concurrent sessions for a few seconds against
 * the server under test ($FTP_TARGET or final/src), with its own checks: checksums of every
 * transfer, well-formed and timely replies, descriptors and memory back near where they were,
 * no server error in the log and no warning that a client did not cause. `npm run soak` runs
 * the long version.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { expect, it } from "vitest";
import { REPO_ROOT, targetEntry } from "../harness/index.ts";

const SECONDS = Number(process.env.SOAK_SECONDS ?? 6);
const SESSIONS = Number(process.env.SOAK_SESSIONS ?? 100);

interface SoakSummary {
  sessionsOpened: number;
  transfers: number;
  bytesUp: number;
  bytesDown: number;
  provoked: Record<string, number>;
  filesChecked: number;
  fds: { before: number; after: number; leaked: string[] };
  rss: { before: number; peak: number; after: number };
  log: { errors: number; warnings: number; unexplained: string[] };
  violations: string[];
}

function runSoak(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, "tools/soak/main.ts"), ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

it(`soak: ${SESSIONS} concurrent sessions for ${SECONDS} s (mixed LIST/RETR/STOR/REST/APPE/ABOR, a tenth abusive): no violation`, async () => {
  const run = await runSoak(["--seconds", String(SECONDS), "--sessions", String(SESSIONS), "--entry", targetEntry(), "--json"]);
  let summary: SoakSummary;
  try {
    summary = JSON.parse(run.stdout) as SoakSummary;
  } catch {
    throw new Error(`the soak printed no JSON summary (exit ${run.code}):\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`);
  }
  expect(summary.violations, summary.violations.join("\n")).toEqual([]);
  expect(run.code).toBe(0);
  expect(summary.sessionsOpened).toBeGreaterThanOrEqual(SESSIONS);
  expect(summary.transfers).toBeGreaterThan(SESSIONS);
  expect(summary.filesChecked).toBeGreaterThan(0);
  // The abuse really happened, and the server's warnings were all explained by it.
  expect(Object.keys(summary.provoked).length).toBeGreaterThanOrEqual(5);
  expect(summary.log.errors).toBe(0);
  expect(summary.log.unexplained).toEqual([]);
  expect(summary.fds.leaked).toEqual([]);
}, 120_000);
