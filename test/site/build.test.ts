/**
 * The docs site's build (tools/site/build.ts) on a small fixture course in a temp folder:
 * pages, links turned into page and source-view links, excerpts from the real file, hints
 * folded; and the errors that stop it, each with file:line (broken link, missing excerpt file
 * or block, a fragment naming no heading, an excerpt fence swallowed by raw HTML), after
 * which nothing is written. The real course in a browser: site.test.ts.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseManifest } from "../../tools/curriculum/manifest.ts";
import { buildSite } from "../../tools/site/build.ts";

const lessons = parseManifest(
  [1, 2].map((id) => ({ id, slug: `0${id}-l${id}`, title: `Lesson ${id}`, points: 10, timeoutSec: 60, files: ["src/a.ts"] })),
  "fixture manifest",
);

const SOURCE = ["export function f(): number {", "  //> 1 hello", "  return 1;", "  //<", "  return 0;", "}", ""].join("\n");

function lessonReadme(id: number, extra = ""): string {
  return [
    `# Lesson ${id}: L${id}`, // 1
    "", // 2
    "Read [the guide](../../docs/guide.md#a-heading) and [the code](../../final/src/a.ts#L2-L4).", // 3
    "", // 4
    "<details><summary>Reference code</summary>", // 5
    "", // 6
    "<!-- excerpt: final/src/a.ts#hello -->", // 7
    "```ts", // 8
    "return 1;", // 9
    "```", // 10
    "", // 11
    "</details>", // 12
    "", // 13
    extra, // 14
    "",
  ].join("\n");
}

const BASE: Record<string, string> = {
  "README.md": "# Fixture\n\nStart with [lesson 1](lessons/01-l1/README.md).\n",
  "final/src/a.ts": SOURCE,
  "lessons/01-l1/README.md": lessonReadme(1),
  "lessons/01-l1/hints.md": "# Hints\n\n## First\n\nLook at `src/a.ts`.\n\n## Second\n\nReturn 1.\n",
  "lessons/01-l1/src/a.ts": "export function f(): number {\n  return 0;\n}\n",
  "lessons/02-l2/README.md": lessonReadme(2),
  "lessons/02-l2/src/a.ts": SOURCE,
  "docs/guide.md": "# Guide: the fixture\n\n## A heading\n\nBack to [lesson 2](../lessons/02-l2/README.md).\n",
};

let root: string;
let out: string;

async function fixture(changes: Record<string, string> = {}): Promise<void> {
  for (const [file, text] of Object.entries({ ...BASE, ...changes })) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
}

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "ftp-lab-site-"));
  out = path.join(root, "out");
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("npm run docs on a fixture course", () => {
  it("renders home, lessons (with hints), guides and source views with their links resolved", async () => {
    await fixture();
    const result = await buildSite({ root, out, lessons });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.pages.map((p) => p.url)).toEqual(["index.html", "lessons/01-l1/index.html", "lessons/02-l2/index.html", "docs/guide.html"]);

    const lesson1 = await readFile(path.join(out, "lessons/01-l1/index.html"), "utf8");
    expect(lesson1).toContain('href="../../docs/guide.html#a-heading"');
    expect(lesson1).toContain('href="../../source/final/src/a.ts.html#L2-L4"');
    // The excerpt: the real code, highlighted, captioned with its file and lines.
    expect(lesson1).toMatch(/<figure class="excerpt"><figcaption><a class="excerpt-file" href="..\/..\/source\/final\/src\/a.ts.html#L2-L4">final\/src\/a.ts<\/a>/);
    expect(lesson1).toContain('<span class="hljs-keyword">return</span>');
    // Hints folded, inline code naming a file linked to the lesson's own copy.
    expect(lesson1.match(/<details class="hint" id="hint-\d">/g)).toHaveLength(2);
    expect(lesson1).toContain('href="../../source/lessons/01-l1/src/a.ts.html"');
    // The commands of the lesson, prev/next in manifest order.
    expect(lesson1).toContain("npm run lesson 1");
    expect(lesson1).toContain("npm run serve 1");
    expect(lesson1).toContain("npm run hint 1");
    expect(lesson1).toMatch(/<a class="prev" rel="prev" href="..\/..\/index.html">/);
    expect(lesson1).toMatch(/<a class="next" rel="next" href="..\/02-l2\/index.html">/);

    const guide = await readFile(path.join(out, "docs/guide.html"), "utf8");
    expect(guide).toContain('<h2 id="a-heading"');
    expect(guide).toContain('href="../lessons/02-l2/index.html"');
    const view = await readFile(path.join(out, "source/final/src/a.ts.html"), "utf8");
    expect(view).toContain('<span class="line" id="L3">');
    expect(existsSync(path.join(out, "assets/mermaid.min.js"))).toBe(true);
    expect(existsSync(path.join(out, "assets/search-index.js"))).toBe(true);
  });

  it("stops at a broken link, naming the file and line, and writes nothing", async () => {
    await fixture({ "lessons/02-l2/README.md": lessonReadme(2, "See [the missing page](../../docs/nope.md) too.") });
    const result = await buildSite({ root, out, lessons });
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual(['lessons/02-l2/README.md:14: broken link "../../docs/nope.md": docs/nope.md does not exist']);
    expect(existsSync(out)).toBe(false);
  });

  it("names the line of a broken link in hints.md", async () => {
    await fixture({ "lessons/01-l1/hints.md": "# Hints\n\n## First\n\nLook at `src/a.ts`.\n\n## Second [see](../../docs/none.md)\n\nReturn 1,\nas [here](nowhere.ts).\n" });
    const result = await buildSite({ root, out, lessons });
    expect(result.errors).toEqual([
      'lessons/01-l1/hints.md:7: broken link "../../docs/none.md": docs/none.md does not exist',
      'lessons/01-l1/hints.md:10: broken link "nowhere.ts": lessons/01-l1/nowhere.ts does not exist',
    ]);
  });

  it("stops at a fragment that names no heading, and at links out of the repository", async () => {
    await fixture({ "docs/guide.md": "# Guide\n\n[x](../lessons/01-l1/README.md#nowhere)\n\n[y](../../elsewhere.md)\n\n[z](/abs.md)\n\n## A heading\n" });
    const result = await buildSite({ root, out, lessons });
    expect(result.errors).toEqual([
      'docs/guide.md:5: broken link "../../elsewhere.md": it points outside the repository',
      'docs/guide.md:7: broken link "/abs.md": an absolute path; write it relative to docs/guide.md',
      expect.stringMatching(/^docs\/guide\.md:3: broken link "..\/lessons\/01-l1\/README.md#nowhere": no heading #nowhere on lessons\/01-l1\/index.html/),
    ]);
  });

  it("stops at an excerpt whose file or block is missing, naming the README line", async () => {
    await fixture({
      "lessons/01-l1/README.md": lessonReadme(1).replace("final/src/a.ts#hello", "final/src/gone.ts#hello"),
      "lessons/02-l2/README.md": lessonReadme(2).replace("final/src/a.ts#hello", "final/src/a.ts#nope"),
    });
    const result = await buildSite({ root, out, lessons });
    expect(result.errors).toEqual([
      "lessons/01-l1/README.md:7: excerpt final/src/gone.ts#hello: no such file final/src/gone.ts",
      "lessons/02-l2/README.md:7: excerpt final/src/a.ts#nope: final/src/a.ts: no block named 'nope'; its blocks are: hello",
    ]);
    expect(existsSync(out)).toBe(false);
  });

  it("shows a stale excerpt as the file has it, with a warning (an error with --strict)", async () => {
    await fixture({ "final/src/a.ts": SOURCE.replace("return 1;", "return 2;") });
    const result = await buildSite({ root, out, lessons });
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual([expect.stringMatching(/^lessons\/01-l1\/README\.md:9: excerpt final\/src\/a\.ts#hello: stale/), expect.stringMatching(/^lessons\/02-l2\/README\.md:9: /)]);
    expect(await readFile(path.join(out, "lessons/01-l1/index.html"), "utf8")).toContain('<span class="hljs-number">2</span>');
    const strict = await buildSite({ root, out: path.join(root, "strict"), lessons, strict: true });
    expect(strict.ok).toBe(false);
    expect(strict.errors).toHaveLength(2);
  });

  it("stops when an excerpt fence is swallowed by raw HTML (no blank line after <summary>)", async () => {
    await fixture({ "lessons/01-l1/README.md": lessonReadme(1).replace("<details><summary>Reference code</summary>\n\n", "<details><summary>Reference code</summary>\n") });
    const result = await buildSite({ root, out, lessons });
    expect(result.errors).toEqual([expect.stringMatching(/^lessons\/01-l1\/README\.md:7: this excerpt's fence is not rendered as a code block/)]);
  });

  it("refuses to empty an --out folder that it did not build", async () => {
    await fixture();
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, "precious.txt"), "keep me");
    const result = await buildSite({ root, out, lessons });
    expect(result.ok).toBe(false);
    expect(result.errors[0]).toMatch(/not empty and not a site this tool built/);
    expect(await readFile(path.join(out, "precious.txt"), "utf8")).toBe("keep me");
    // Its own output is emptied and rebuilt.
    const again = await buildSite({ root, out: path.join(root, "site"), lessons });
    expect(again.ok).toBe(true);
    expect((await buildSite({ root, out: path.join(root, "site"), lessons })).ok).toBe(true);
  });
});
