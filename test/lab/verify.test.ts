/**
 * `npm run verify` on the fixture course: every check passes on a sound course (exit 0);
 * a stale workspace and stale README excerpts are reported one line each (exit 1). The excerpt
 * reader, the run plan and the kit/solution verdicts are also tested on their own.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseManifest } from "../../tools/curriculum/manifest.ts";
import { checkExcerpts } from "../../tools/lab/excerpts.ts";
import type { LessonResult } from "../../tools/lab/lesson-results.ts";
import { judge, planRuns, planStageChecks } from "../../tools/lab/stage-checks.ts";
import type { TestOutcome } from "../../tools/lab/test-results.ts";
import { lab, labProcess, makeFixture, MANIFEST, type Fixture } from "./fixture-course.ts";

let fixture: Fixture;
beforeAll(async () => {
  fixture = await makeFixture();
  // The graded lists as the course pins them: a test the kit already passes is a guard.
  const pinned = path.join(fixture.root, "tools/lab/graded-manifest.json");
  const manifest = JSON.parse(readFileSync(pinned, "utf8")) as { lessons: Record<string, unknown> };
  manifest.lessons["1"] = { requirements: ["greets with one"], guards: ["has a list of parts"] };
  writeFileSync(pinned, `${JSON.stringify(manifest, null, 2)}\n`);
});
afterAll(() => fixture.remove());

const README_OK = `# Lesson 1

<!-- excerpt: final/src/parts.ts#one -->
\`\`\`ts
parts.push("one");
\`\`\`
`;

describe("npm run verify", () => {
  it("passes every check on a sound course, one ✓ line each, exit 0", async () => {
    writeFileSync(path.join(fixture.root, "lessons/01-one/README.md"), README_OK);
    const run = await labProcess(fixture.root, ["verify"]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines.filter((l) => l.startsWith("✓ ")).map((l) => l.replace(/ \(\d+s\)$/, "")).sort()).toEqual(
      [
        "✓ excerpts: 1 quoted in the READMEs, all current",
        "✓ final passes lessons 1-2 (4 tests)",
        "✓ gen --check: solutions, workspace and README regions are up to date (1 excerpt, 0 diagrams in 1 README)",
        "✓ solution 1 passes lesson 1 (2 tests)",
        "✓ solution 2 passes lessons 1-2 (4 tests)",
        "✓ stage tests: test/lessons has a test file for each of the 2 lessons",
        "✓ pinned: 3 graded files match tools/lab/graded-manifest.json",
        "✓ the kit scores 0/10 on lesson 1 (fails 1 of 2 tests)",
        "✓ solution 1 scores 0/5 on lesson 2 (fails 2 of 2 tests)",
        "✓ type-check: every solution and the workspace compile (tsconfig.stages.json)",
      ].sort(),
    );
    const summary = lines.findIndex((l) => l.startsWith("verify: "));
    expect(lines[summary]).toMatch(/^verify: all 10 checks pass \(\d+s\)$/);
    // Then the lines each lesson has the learner write.
    expect(lines.slice(summary + 2)).toEqual([
      "Lines each lesson has the learner write (npm run course:lines):",
      "| lesson | title   | lines written | lines removed | files |",
      "| -----: | ------- | ------------: | ------------: | ----: |",
      "|      1 | Say one |             1 |             0 |     1 |",
      "|      2 | Say two |             1 |             0 |     1 |",
      "|  total |         |             2 |             0 |       |",
    ]);
  }, 120_000);

  it("reports a stale workspace and a stale excerpt, exit 1", async () => {
    copyFileSync(path.join(fixture.root, "solutions/01-one/src/parts.ts"), path.join(fixture.root, "workspace/src/parts.ts"));
    writeFileSync(path.join(fixture.root, "lessons/01-one/README.md"), README_OK.replace('"one"', '"uno"'));
    const { code, io } = await lab(fixture.root, ["verify", "--no-tests"]);
    expect(code).toBe(1);
    const text = io.lines.join("\n");
    expect(text).toMatch(/✗ gen --check: 1 difference from a fresh projection of final\/src, 1 stale README region; run `npm run gen` to regenerate:\n    workspace\/src\/parts.ts:3: differs/);
    expect(text).toContain(
      "✗ excerpts: 1 of 1 are wrong (`npm run gen` rewrites them):\n    lessons/01-one/README.md:5: excerpt final/src/parts.ts#one: stale\n        expected: parts.push(\\\"one\\\");\n        found:    parts.push(\\\"uno\\\");",
    );
    expect(io.lines.find((l) => l.startsWith("verify: "))).toMatch(/^verify: 2 of 5 checks fail/);
  });
});

describe("README excerpts", () => {
  it("reports a missing block, a missing file, a missing fence and an empty one, each at its line", async () => {
    const lessons = parseManifest(MANIFEST);
    mkdirSync(path.join(fixture.root, "lessons/02-two"), { recursive: true });
    writeFileSync(
      path.join(fixture.root, "lessons/02-two/README.md"),
      [
        "<!-- excerpt: final/src/parts.ts#three -->",
        "```ts",
        "x",
        "```",
        "<!-- excerpt: final/src/nope.ts#one -->",
        "```",
        "```",
        "<!-- excerpt: final/src/parts.ts#two -->",
        "",
        "<!-- excerpt: final/src/parts.ts#two@final -->",
        "```ts",
        "```",
        "<!-- excerpt: final/src/parts.ts#two -->",
        "```ts",
        'parts.push("two");',
        "```",
      ].join("\n"),
    );
    writeFileSync(path.join(fixture.root, "lessons/01-one/README.md"), README_OK);
    const { checked, problems } = await checkExcerpts(fixture.root, lessons);
    expect(checked).toBe(6);
    expect(problems).toEqual([
      "lessons/02-two/README.md:1: excerpt final/src/parts.ts#three: final/src/parts.ts: no block named 'three'; its blocks are: one, two",
      "lessons/02-two/README.md:5: excerpt final/src/nope.ts#one: no such file final/src/nope.ts",
      "lessons/02-two/README.md:8: excerpt final/src/parts.ts#two: missing (no code fence after the comment)",
      'lessons/02-two/README.md:12: excerpt final/src/parts.ts#two@final: stale\n    expected: parts.push(\\"two\\");\n    found:    (end of block)',
    ]);
  });
});

describe("stage verdicts", () => {
  const lessons = parseManifest(MANIFEST);
  const test = (state: TestOutcome["state"], name = "t"): TestOutcome => ({ file: "f", suites: [], name, state, message: "why", line: 1, durationMs: 1 });
  const result = (id: number, ...tests: TestOutcome[]): LessonResult => ({ lesson: lessons[id - 1]!, file: "f", tests, problems: [] });
  const kit = planStageChecks({ root: "/", lessons }).find((c) => c.stage === "kit")!;
  const previous = planStageChecks({ root: "/", lessons }).find((c) => c.expect === "short")!;

  it("plans the checks, and runs that test each file once against its own stage", () => {
    expect(planStageChecks({ root: "/", lessons }).map((c) => `${c.label} ${c.expect} ${c.lessons.map((l) => l.id).join("")}`)).toEqual([
      "final all-pass 12",
      "solution 1 all-pass 1",
      "solution 2 all-pass 12",
      "the kit zero 1",
      "solution 1 short 2",
    ]);
    expect(planRuns({ root: "/", lessons }).map((r) => `${r.label}: ${r.pairs.map((p) => `${p.lesson.id}->${p.stage}`).join(" ")}`)).toEqual([
      "final: 1->final 2->final",
      "solutions +0: 1->1 2->2",
      "previous: 1->kit 2->1",
      "solutions +1: 1->2",
    ]);
  });

  it("the kit must score 0; solution N-1 must score less than full on lesson N", () => {
    expect(judge(kit, [result(1, test("fail"), test("pass"))], 0)).toEqual({ ok: true, lines: ["the kit scores 0/10 on lesson 1 (fails 1 of 2 tests)"] });
    const tooGood = judge(kit, [result(1, test("pass", "greets"), test("fail"))], 5);
    expect(tooGood.ok).toBe(false);
    expect(tooGood.lines).toEqual(["the kit scores 5/10 on lesson 1, not 0: the kit must not do what the lesson asks (fails 1 of 2 tests)", "passes: greets"]);
    expect(judge(previous, [result(2, test("fail"), test("pass"))], 2.5)).toEqual({ ok: true, lines: ["solution 1 scores 2.5/5 on lesson 2 (fails 1 of 2 tests)"] });
    expect(judge(previous, [result(2, test("pass"), test("pass"))], 5)).toEqual({
      ok: false,
      lines: ["solution 1 scores 5/5 on lesson 2: its tests cannot tell the lesson's work from the earlier solution"],
    });
  });
});
