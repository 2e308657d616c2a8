/**
 * The generated regions of READMEs (tools/docs/excerpts.ts): finding them, filling excerpts
 * in write mode, reporting stale and missing ones in --check mode with file:line, and errors
 * for unknown blocks, files and scenarios. Everything runs on a fixture course in a temp
 * folder; no server is started here (see record.test.ts for real recordings).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../tools/curriculum/gen.ts";
import { parseManifest, REPO_ROOT } from "../../tools/curriculum/manifest.ts";
import { DocError, findRegions, updateDocs, type DocsOptions } from "../../tools/docs/excerpts.ts";

const lessons = parseManifest(
  [1, 2].map((id) => ({ id, slug: `0${id}-l${id}`, title: `Lesson ${id}`, points: 10, timeoutSec: 60, files: [] })),
  "fixture manifest",
);

// final/src/data/range.ts of the fixture: lesson 1 writes pick(), lesson 2 adds a check to it.
const RANGE = [
  "export function pick(ports: number[]): number {",
  "  //> 1 pick",
  "  for (const port of ports) {",
  "    //> 2 skip-low",
  "    if (port < 1024) continue;",
  "    //<",
  "    return port;",
  "  }",
  "  //| stub",
  "  // TODO(lesson 1): return the first port",
  "  //- return 0;",
  "  //<",
  "  return 0;",
  "}",
  "",
].join("\n");

const PICK_LESSON_1 = ["for (const port of ports) {", "  return port;", "}"].join("\n");
const PICK_FINAL = ["for (const port of ports) {", "  if (port < 1024) continue;", "  return port;", "}"].join("\n");

let work = "";
let out = "";
let source = "";

beforeEach(async () => {
  work = await mkdtemp(path.join(tmpdir(), "ftp-lab-docs-"));
  out = path.join(work, "out");
  source = path.join(work, "final", "src");
  await mkdir(path.join(source, "data"), { recursive: true });
  await writeFile(path.join(source, "data", "range.ts"), RANGE);
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

async function writeDoc(relative: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.join(out, relative)), { recursive: true });
  await writeFile(path.join(out, relative), text);
}
const readDoc = (relative: string) => readFile(path.join(out, relative), "utf8");
const options = (check: boolean): DocsOptions => ({ root: work, sourceDir: source, outDir: out, lessons, check });

const README = [
  "# Lesson 1",
  "",
  "The loop:",
  "",
  "<!-- excerpt: final/src/data/range.ts#pick -->",
  "```ts",
  "old text",
  "```",
  "",
  "And in the final server:",
  "",
  "<!-- excerpt: final/src/data/range.ts#pick@final -->",
  "",
  "The end.",
  "",
].join("\n");

describe("findRegions", () => {
  it("finds excerpts and diagrams with their fences; markers inside other code blocks are text", () => {
    const text = [
      "<!-- excerpt: final/src/a.ts#one -->",
      "",
      "  ```ts",
      "  code",
      "  ```",
      "````md",
      "<!-- diagram: not-a-region -->",
      "````",
      "<!-- diagram: login-and-list@3 -->",
      "```mermaid",
      "```",
      "<!-- excerpt: final/src/a.ts#two@final -->",
      "no fence here",
    ].join("\n");
    const regions = findRegions(text, "x.md");
    expect(regions.map((r) => [r.kind, r.line, r.spec, r.stage ?? null, r.fence?.body ?? null, r.fence?.indent ?? null])).toEqual([
      ["excerpt", 1, "final/src/a.ts#one", null, ["code"], "  "],
      ["diagram", 9, "login-and-list@3", 3, [], ""],
      ["excerpt", 12, "final/src/a.ts#two@final", "final", null, null],
    ]);
  });

  it("says file:line for a malformed marker or an unclosed fence", () => {
    expect(() => findRegions("a\n<!-- excerpt: final/src/a.ts -->\n", "lessons/01-l1/README.md")).toThrow(
      /^lessons\/01-l1\/README\.md:2: malformed excerpt 'final\/src\/a\.ts'/,
    );
    expect(() => findRegions("<!-- diagram: Bad Name -->", "d.md")).toThrow(DocError);
    expect(() => findRegions("<!-- diagram: x -->\n```mermaid\nsequenceDiagram\n", "d.md")).toThrow(/^d\.md:2: the ``` fence after the diagram comment on line 1 is never closed/);
  });
});

describe("updateDocs: excerpts", () => {
  it("fills each fence with the block as of its own lesson (or @final), adds a missing fence, and then has nothing to do", async () => {
    await writeDoc("lessons/01-l1/README.md", README);
    const report = await updateDocs(options(false));
    expect(report).toMatchObject({ errors: [], written: ["lessons/01-l1/README.md"], excerpts: 2, diagrams: 0 });
    expect(await readDoc("lessons/01-l1/README.md")).toBe(
      [
        "# Lesson 1",
        "",
        "The loop:",
        "",
        "<!-- excerpt: final/src/data/range.ts#pick -->",
        "```ts",
        PICK_LESSON_1,
        "```",
        "",
        "And in the final server:",
        "",
        "<!-- excerpt: final/src/data/range.ts#pick@final -->",
        "```ts",
        PICK_FINAL,
        "```",
        "",
        "The end.",
        "",
      ].join("\n"),
    );
    const again = await updateDocs(options(false));
    expect(again.written).toEqual([]);
    expect((await updateDocs(options(true))).differences).toEqual([]);
  });

  it("keeps CRLF line endings and a list item's indentation", async () => {
    const text = ["- step:", "", "  <!-- excerpt: final/src/data/range.ts#pick -->", "  ```ts", "  ```", ""].join("\r\n");
    await writeDoc("docs/guide.md", text);
    await updateDocs(options(false));
    const indented = PICK_LESSON_1.split("\n").map((l) => `  ${l}`);
    expect(await readDoc("docs/guide.md")).toBe(["- step:", "", "  <!-- excerpt: final/src/data/range.ts#pick -->", "  ```ts", ...indented, "  ```", ""].join("\r\n"));
  });

  it("--check reports a stale excerpt at its README line, with what differs, and a missing fence", async () => {
    await writeDoc("lessons/01-l1/README.md", README);
    const report = await updateDocs(options(true));
    expect(report.errors).toEqual([]);
    expect(report.differences).toEqual([
      `lessons/01-l1/README.md:7: excerpt final/src/data/range.ts#pick: stale\n    expected: for (const port of ports) {\n    found:    old text`,
      "lessons/01-l1/README.md:12: excerpt final/src/data/range.ts#pick@final: missing (no code fence after the comment)",
    ]);
    expect(await readDoc("lessons/01-l1/README.md")).toBe(README); // --check writes nothing
  });

  it("an unknown block, file, lesson or scenario is an error naming the README line", async () => {
    await writeDoc(
      "lessons/02-l2/README.md",
      [
        "<!-- excerpt: final/src/data/range.ts#pik -->",
        "```ts",
        "```",
        "<!-- excerpt: final/src/data/nope.ts#pick -->",
        "<!-- excerpt: final/src/data/range.ts#pick@9 -->",
        "<!-- diagram: no-such-scenario@final -->",
      ].join("\n"),
    );
    const report = await updateDocs(options(true));
    expect(report.errors).toEqual([
      "lessons/02-l2/README.md:1: excerpt final/src/data/range.ts#pik: final/src/data/range.ts: no block named 'pik'; its blocks are: pick, skip-low",
      "lessons/02-l2/README.md:4: excerpt final/src/data/nope.ts#pick: no such file final/src/data/nope.ts",
      "lessons/02-l2/README.md:5: excerpt final/src/data/range.ts#pick@9: there is no lesson 9 (lessons are 1, 2; or @final)",
      expect.stringMatching(/^lessons\/02-l2\/README\.md:6: diagram no-such-scenario@final: no scenario named 'no-such-scenario' in .*; the scenarios are: .*login-and-list/),
    ]);
  });

  it("a diagram in a lesson README needs that lesson's solution", async () => {
    await writeDoc("lessons/02-l2/README.md", "<!-- diagram: login-and-list -->\n");
    const report = await updateDocs(options(true));
    expect(report.errors).toEqual(["lessons/02-l2/README.md:1: diagram login-and-list: solutions/02-l2/src/main.ts does not exist (run npm run gen)"]);
  });
});

describe("npm run gen with README regions", () => {
  let stdout: string[] = [];
  let stderr: string[] = [];
  const gen = async (...argv: string[]) => {
    stdout = [];
    stderr = [];
    return main(["--out", out, ...argv], { root: REPO_ROOT, sourceDir: source, lessons, stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l) });
  };

  it("fills READMEs after projecting, --check then agrees; a stale region fails --check with file:line", async () => {
    await writeDoc("lessons/01-l1/README.md", README);
    expect(await gen()).toBe(0);
    expect(stdout).toContain("lessons/01-l1/README.md: excerpts and diagrams filled");
    expect(stdout.at(-1)).toBe("gen: README regions (2 excerpts, 0 diagrams in 1 README), 1 files written");
    expect(await gen("--check")).toBe(0);
    expect(stdout).toEqual(["gen --check: up to date (2 excerpts, 0 diagrams in 1 README)"]);

    const filled = await readDoc("lessons/01-l1/README.md");
    await writeDoc("lessons/01-l1/README.md", filled.replace("  return port;", "  return port + 1;"));
    expect(await gen("--check")).toBe(1);
    expect(stderr).toEqual([
      "lessons/01-l1/README.md:8: excerpt final/src/data/range.ts#pick: stale\n    expected:   return port;\n    found:      return port + 1;",
      "gen --check: 1 stale README region; run `npm run gen` to regenerate",
    ]);
  });

  it("stops on an unknown block in write mode too (exit 1), and still writes the rest", async () => {
    await writeDoc("docs/a.md", "<!-- excerpt: final/src/data/range.ts#nope -->\n<!-- excerpt: final/src/data/range.ts#pick -->\n");
    expect(await gen()).toBe(1);
    expect(stderr).toEqual(["docs/a.md:1: excerpt final/src/data/range.ts#nope: final/src/data/range.ts: no block named 'nope'; its blocks are: pick, skip-low"]);
    expect(await readDoc("docs/a.md")).toContain(PICK_LESSON_1);
  });
});
