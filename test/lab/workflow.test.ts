/**
 * .github/workflows/classroom.yml is written from the manifest (tools/lab/classroom-workflow.ts),
 * and it must fit the contract of classroom-resources/autograding-grading-reporter@v1 (read from
 * its source, src/main.js and src/notify-classroom.js):
 *
 * - input `runners`: step ids, comma-separated (its error path checks /^([a-zA-Z0-9]+,)*[a-zA-Z0-9]+$/);
 * - for each runner R, env `${R.toUpperCase()}_RESULTS`: base64 of a runner result, the JSON the
 *   command grader emits as `result` ({ version: 1, status, max_score, tests: [{ name, status,
 *   score, message, test_code, filename, line_no, duration }] });
 * - Classroom gets the sum of every test's `score` over the sum of the runners' `max_score`;
 *   status "fail" or "error" in any runner fails the step.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadManifest, REPO_ROOT } from "../../tools/curriculum/manifest.ts";
import { GRADE_DIR, gradeTimeoutMinutes, missingResult, renderWorkflow, runnerId, WORKFLOW_FILE } from "../../tools/lab/classroom-workflow.ts";
import { labProcess, makeFixture, type Fixture } from "./fixture-course.ts";

/** What the reporter does with one runner's env value (src/main.js + src/notify-classroom.js). */
function reporterReads(encoded: string): { totalPoints: number; maxPoints: number; status: string } {
  const results = JSON.parse(Buffer.from(encoded, "base64").toString("utf-8")) as { max_score: number; status: string; tests: Array<{ score: number }> };
  return { totalPoints: results.tests.reduce((sum, t) => sum + t.score, 0), maxPoints: results.max_score || 0, status: results.status };
}

/** The runner-result contract, field by field. */
function expectRunnerResult(data: unknown): void {
  expect(data).toMatchObject({ version: 1, status: expect.stringMatching(/^(pass|fail|error)$/), max_score: expect.any(Number) });
  const tests = (data as { tests: unknown[] }).tests;
  expect(tests.length).toBeGreaterThan(0);
  for (const t of tests) {
    expect(t).toMatchObject({
      name: expect.any(String),
      status: expect.stringMatching(/^(pass|fail|error)$/),
      score: expect.any(Number),
      message: expect.any(String),
      test_code: expect.any(String),
      filename: expect.any(String),
      line_no: expect.any(Number),
      duration: expect.any(Number),
    });
  }
}

describe("the GitHub Classroom workflow", () => {
  const lessons = loadManifest();
  const committed = readFileSync(path.join(REPO_ROOT, WORKFLOW_FILE), "utf8");

  it("is up to date with the manifest (else run `npx tsx tools/lab/classroom-workflow.ts`)", () => {
    expect(committed).toBe(renderWorkflow(lessons));
  });

  it("grades in one run (one npm ci, one `npm run grade` with no lesson named), with fresh results", () => {
    expect(committed.match(/npm ci/g)).toHaveLength(1);
    expect(committed.match(/npm run grade/g)).toHaveLength(1);
    expect(committed).toContain(`        run: rm -rf ${GRADE_DIR} && npm run grade -- --out ${GRADE_DIR}\n        timeout-minutes: ${gradeTimeoutMinutes(lessons)}\n`);
    expect(committed).not.toContain("--lesson");
  });

  it("names the reporter under classroom-resources, with one runner per lesson wired as the reporter reads it", () => {
    expect(committed).toContain("        uses: classroom-resources/autograding-grading-reporter@v1\n");
    expect(committed).not.toContain("education/");
    const runners = /\n {10}runners: (.+)\n/.exec(committed)?.[1] ?? "";
    expect(runners).toMatch(/^([a-zA-Z0-9]+,)*[a-zA-Z0-9]+$/);
    expect(runners.split(",")).toEqual(lessons.map(runnerId));
    for (const lesson of lessons) {
      const id = runnerId(lesson);
      expect(committed).toContain(`          ${id.trim().toUpperCase()}_RESULTS: "\${{steps.results.outputs.${id}}}"\n`);
      expect(committed).toContain(`          echo "${id}=$(base64 -w0 ${GRADE_DIR}/lesson-${lesson.id}/results.json)" >> "$GITHUB_OUTPUT"\n`);
    }
    expect(committed).toContain("  run-autograding-tests:\n");
    expect(committed).toContain("permissions:\n  checks: write\n");
    expect(committed).not.toContain("\t");
  });

  it("stands in a valid runner result for a lesson the grader wrote nothing for", () => {
    for (const lesson of lessons) {
      const stand = JSON.parse(missingResult(lesson));
      expectRunnerResult(stand);
      expect(reporterReads(Buffer.from(missingResult(lesson)).toString("base64"))).toEqual({ totalPoints: 0, maxPoints: lesson.points, status: "error" });
      expect(missingResult(lesson)).not.toContain("'");
    }
  });
});

describe("our results.json, as the reporter reads it", () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await makeFixture();
  });
  afterAll(() => fixture.remove());

  it("carries each test's share to Classroom: a half-done lesson gets partial credit", async () => {
    // The workspace has half of lesson 2: "two" is there, "one" (lesson 1) is not.
    const parts = path.join(fixture.root, "workspace/src/parts.ts");
    const text = readFileSync(parts, "utf8");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(parts, `${text}parts.push("two");\n`);
    const out = path.join(fixture.root, "out-contract");
    const run = await labProcess(fixture.root, ["grade", "--out", out]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const read = (n: number) => readFileSync(path.join(out, `lesson-${n}`, "results.json"));
    for (const n of [1, 2]) expectRunnerResult(JSON.parse(read(n).toString("utf8")));
    // Lesson 1 is not done: 0 of 10. Lesson 2: one requirement of two passes: 2.5 of 5.
    expect(reporterReads(read(1).toString("base64"))).toEqual({ totalPoints: 0, maxPoints: 10, status: "fail" });
    expect(reporterReads(read(2).toString("base64"))).toEqual({ totalPoints: 2.5, maxPoints: 5, status: "fail" });
  });
});
