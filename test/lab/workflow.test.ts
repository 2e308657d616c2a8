/**
 * .github/workflows/classroom.yml is written from the manifest (tools/lab/classroom-workflow.ts):
 * the committed file must be what the manifest gives today, with one grader step per lesson.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadManifest, REPO_ROOT } from "../../tools/curriculum/manifest.ts";
import { renderWorkflow, stepTimeoutMinutes, WORKFLOW_FILE } from "../../tools/lab/classroom-workflow.ts";

describe("the GitHub Classroom workflow", () => {
  const lessons = loadManifest();
  const committed = readFileSync(path.join(REPO_ROOT, WORKFLOW_FILE), "utf8");

  it("is up to date with the manifest (else run `npx tsx tools/lab/classroom-workflow.ts`)", () => {
    expect(committed).toBe(renderWorkflow(lessons));
  });

  it("has one command-grader step per lesson, worth its points, and reports them all", () => {
    for (const lesson of lessons) {
      expect(committed).toContain(
        [
          `        id: lesson-${lesson.id}`,
          "        uses: education/autograding-command-grader@v1",
          "        with:",
          `          test-name: "Lesson ${lesson.id}: ${lesson.title}"`,
          `          command: npm run grade -- --lesson ${lesson.id} --out .lab/grade-${lesson.id}`,
          `          timeout: ${stepTimeoutMinutes(lessons, lesson)}`,
          `          max-score: ${lesson.points}`,
        ].join("\n"),
      );
      expect(committed).toContain(`          LESSON-${lesson.id}_RESULTS: "\${{steps.lesson-${lesson.id}.outputs.result}}"`);
    }
    expect(committed).toContain(`          runners: ${lessons.map((l) => `lesson-${l.id}`).join(",")}\n`);
    expect(committed).toContain("  run-autograding-tests:\n");
    expect(committed).not.toContain("\t");
  });

  it("gives lesson N the time of lessons 1..N, in whole minutes", () => {
    const fixture = lessons.map((l) => ({ ...l, timeoutSec: 120 }));
    expect(stepTimeoutMinutes(fixture, fixture[0]!)).toBe(4);
    expect(stepTimeoutMinutes(fixture, fixture[6]!)).toBe(16);
  });
});
