/**
 * `npm run verify` on the fixture course: every check passes on a sound course (exit 0);
 * stale stages and stale README excerpts are reported one line each (exit 1). The excerpt
 * reader and the starter/solution verdicts are also tested on their own.
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseManifest } from "../../tools/curriculum/manifest.ts";
import { checkExcerpts } from "../../tools/lab/excerpts.ts";
import type { LessonResult } from "../../tools/lab/lesson-results.ts";
import { judge, planStageChecks } from "../../tools/lab/stage-checks.ts";
import type { TestOutcome } from "../../tools/lab/test-results.ts";
import { lab, labProcess, makeFixture, MANIFEST, type Fixture } from "./fixture-course.ts";

let fixture: Fixture;
beforeAll(async () => {
  fixture = await makeFixture();
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
        "✓ gen --check: solutions, starters and README regions are up to date (1 excerpt, 0 diagrams in 1 README)",
        "✓ solution 1 passes lesson 1 (2 tests)",
        "✓ solution 2 passes lessons 1-2 (4 tests)",
        "✓ stage tests: test/lessons has a test file for each of the 2 lessons",
        "✓ pinned: 3 graded files match tools/lab/graded-manifest.json",
        "✓ starter 1 fails 1 of 2 tests of lesson 1",
        "✓ starter 2 fails 2 of 2 tests of lesson 2, passes lesson 1",
        "✓ type-check: every solution and starter compiles (tsconfig.stages.json)",
      ].sort(),
    );
    expect(lines[lines.length - 1]).toMatch(/^verify: all 10 checks pass \(\d+s\)$/);
  }, 120_000);

  it("reports a stale starter and a stale excerpt, exit 1", async () => {
    copyFileSync(path.join(fixture.root, "solutions/01-one/src/parts.ts"), path.join(fixture.root, "lessons/01-one/src/parts.ts"));
    writeFileSync(path.join(fixture.root, "lessons/01-one/README.md"), README_OK.replace('"one"', '"uno"'));
    const { code, io } = await lab(fixture.root, ["verify", "--no-tests"]);
    expect(code).toBe(1);
    const text = io.lines.join("\n");
    expect(text).toMatch(/✗ gen --check: 1 difference from a fresh projection of final\/src, 1 stale README region; run `npm run gen` to regenerate:\n    lessons\/01-one\/src\/parts.ts:3: differs/);
    expect(text).toContain(
      "✗ excerpts: 1 of 1 are wrong (`npm run gen` rewrites them):\n    lessons/01-one/README.md:5: excerpt final/src/parts.ts#one: stale\n        expected: parts.push(\\\"one\\\");\n        found:    parts.push(\\\"uno\\\");",
    );
    expect(io.lines[io.lines.length - 1]).toMatch(/^verify: 2 of 5 checks fail/);
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
  const starter2 = planStageChecks({ root: "/", lessons }).find((c) => c.label === "starter 2")!;

  it("plans final, then each solution and starter, biggest first", () => {
    expect(planStageChecks({ root: "/", lessons }).map((c) => `${c.label} ${c.target} ${c.lessons.map((l) => l.id).join("")}`)).toEqual([
      "final final 12",
      "solution 2 solutions/02-two 12",
      "starter 2 lessons/02-two 12",
      "solution 1 solutions/01-one 1",
      "starter 1 lessons/01-one 1",
    ]);
  });

  it("a starter must fail its own lesson and pass the earlier ones", () => {
    expect(judge(starter2, [result(1, test("pass")), result(2, test("fail"), test("pass"))]).ok).toBe(true);
    const tooGood = judge(starter2, [result(1, test("pass")), result(2, test("pass"))]);
    expect(tooGood).toEqual({ ok: false, lines: ["starter 2: passes every test of lesson 2: its tests cannot tell the starter from the solution"] });
    const broken = judge(starter2, [result(1, test("fail", "logs in")), result(2, test("fail"))]);
    expect(broken.ok).toBe(false);
    expect(broken.lines).toEqual(["starter 2: fails 1 test of the earlier lessons:", "lesson 1: logs in: why"]);
  });
});
