/**
 * `npm run bench -- --quick` against our server only, as a real process (about 15 s): every
 * row gives a figure, the JSON is written where asked, and the docs are left alone; then the
 * reports are made again from that JSON (--from-json).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import type { RunResult } from "../../tools/bench/result.ts";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const out = mkdtempSync(path.join(os.tmpdir(), "bench-smoke-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe.skipIf(process.platform !== "linux")("bench --quick, ours only", () => {
  it("measures every row and writes the JSON", () => {
    const json = path.join(out, "run.json");
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", "tools/bench/main.ts", "--quick", "--servers", "ours", "--no-logging-variants", "--no-limits", "--big", "16M", "--list", "500", "--no-docs", "--out-dir", out, "--json", json],
      { cwd: repoRoot, encoding: "utf8", timeout: 60_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("STOR one 16 MiB file");
    const result = JSON.parse(readFileSync(json, "utf8")) as RunResult;
    expect(readFileSync(path.join(out, "latest.json"), "utf8")).toBe(readFileSync(json, "utf8"));
    const cells = result.roundRecords[0]!.cells;
    for (const row of ["stor_big", "retr_big", "noop", "list", "login_n", "stor_idle", "retr_idle", "quit_n", "retr_n", "stor_n"] as const) {
      expect(cells[row]?.error, row).toBeUndefined();
      expect(cells[row]?.value, row).toBeGreaterThan(0);
    }
    expect(cells.mem_idle_pss?.value).toBeGreaterThan(0);
    // ours runs compiled, as an operator runs it (npm run build)
    expect(result.peers.find((p) => p.id === "ours")?.command).toContain("dist/bench-server/main.js");
  }, 60_000);

  it("--from-json makes the reports again without running anything", () => {
    const docs = path.join(out, "benchmarks.md");
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", "tools/bench/main.ts", "--from-json", path.join(out, "run.json"), "--docs", docs, "--out-dir", path.join(out, "again")],
      { cwd: repoRoot, encoding: "utf8", timeout: 30_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).not.toContain("round 1/");
    expect(run.stdout).toContain("STOR one 16 MiB file");
    expect(readFileSync(docs, "utf8")).toContain("# Benchmarks");
  });
});
