// `npm run docs`: the course as a static website, dist/site/ by default (not committed).
//
//   npm run docs                     build into dist/site/
//   npm run docs -- --out DIR        build into DIR
//   npm run docs -- --strict         stale README excerpts are errors, not warnings
//
// Pages: README.md (home), each lesson's README.md with its hints.md (folded), docs/*.md,
// rendered with markdown-it (markdown.ts), in the reading order of pages.ts (left navigation,
// prev/next); README excerpts re-checked against the real files (regions.ts); links resolved
// and checked (links.ts), with source views for linked files (source-view.ts); a search index
// (search.ts); mermaid's and minisearch's browser builds copied in, so nothing is fetched from
// the network. Every problem is printed as file:line, and then nothing is written.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { loadManifest, MANIFEST_PATH, REPO_ROOT, type Lesson } from "../curriculum/manifest.ts";
import { LESSON_IDS, lessonBox, renderHints } from "./lesson.ts";
import { Links } from "./links.ts";
import { createMarkdown, sectionsOf, type RenderEnv } from "./markdown.ts";
import { neighbours, planPages, type Page } from "./pages.ts";
import { checkRegions } from "./regions.ts";
import { SearchIndex } from "./search.ts";
import { renderDirView, renderSourceView } from "./source-view.ts";
import { renderShell } from "./template.ts";

const ASSETS = fileURLToPath(new URL("./assets/", import.meta.url));
/** A file in every built site: a folder with it may be emptied by the next build. */
const MARKER = ".ftp-lab-site";
export const DEFAULT_OUT = "dist/site";

export interface BuildOptions {
  /** Repository root (default: this repository). */
  root?: string;
  /** Output folder (absolute, or relative to root). */
  out?: string;
  /** Stale excerpts are errors. */
  strict?: boolean;
  /** Overrides lessons/manifest.json. */
  lessons?: readonly Lesson[];
}

export interface BuildResult {
  ok: boolean;
  out: string;
  errors: string[];
  warnings: string[];
  /** Every HTML file written, relative to `out`, pages in reading order first. */
  html: string[];
  /** The Markdown pages (url, source, title), in reading order. */
  pages: Array<{ url: string; source: string; title: string; kind: Page["kind"]; lessonId?: number }>;
  stats: { pages: number; sourceViews: number; dirViews: number; diagrams: number; excerpts: number; searchSections: number; files: number; bytes: number; ms: number };
}

export async function buildSite(options: BuildOptions = {}): Promise<BuildResult> {
  const started = performance.now();
  const root = options.root ?? REPO_ROOT;
  const out = path.resolve(root, options.out ?? DEFAULT_OUT);
  const errors: string[] = [];
  const warnings: string[] = [];
  const stats = { pages: 0, sourceViews: 0, dirViews: 0, diagrams: 0, excerpts: 0, searchSections: 0, files: 0, bytes: 0, ms: 0 };
  const result: BuildResult = { ok: false, out, errors, warnings, html: [], pages: [], stats };

  let lessons: readonly Lesson[];
  try {
    lessons = options.lessons ?? loadManifest(path.join(root, MANIFEST_PATH));
  } catch (err) {
    errors.push((err as Error).message);
    return result;
  }
  const pages = planPages(root, lessons, errors);
  const md = createMarkdown();
  const links = new Links(root, pages);
  const search = new SearchIndex();
  const outputs = new Map<string, string | Buffer>();
  if (existsSync(path.join(root, "final/src"))) links.dirViews.add("final/src");

  for (const page of pages) {
    const text = readFileSync(path.join(root, page.source), "utf8");
    const regions = checkRegions(page.source, text, { root, lessons, links, url: page.url });
    errors.push(...regions.errors);
    (options.strict ? errors : warnings).push(...regions.warnings);
    stats.excerpts += regions.excerptCount;

    const reserved: Record<string, boolean> = {};
    if (page.kind === "lesson") for (const id of LESSON_IDS) reserved[id] = true;
    const env: RenderEnv = {
      file: page.source,
      url: page.url,
      lines: text.split(/\r?\n/),
      lineOffset: 0,
      links,
      excerpts: regions.excerpts,
      usedExcerpts: new Set(),
      stats: { diagrams: 0 },
      markdownItAnchor: reserved,
    };
    const tokens = md.parse(text, env);
    let body = md.renderer.render(tokens, md.options, env);
    for (const line of regions.excerpts.keys()) {
      if (!env.usedExcerpts.has(line)) {
        errors.push(`${page.source}:${line + 1}: this excerpt's fence is not rendered as a code block (inside raw HTML? leave a blank line after <details><summary>...</summary>)`);
      }
    }
    const { sections } = sectionsOf(tokens);
    search.add(page.url, page.title, sections);

    if (page.lesson) {
      const lesson = page.lesson;
      // The box goes right after the title.
      const box = lessonBox(lesson, lessons.length, page.url, root, links);
      const h1End = body.indexOf("</h1>");
      body = h1End === -1 ? box + body : body.slice(0, h1End + 5) + "\n" + box + body.slice(h1End + 5);
      if (page.hints) {
        const hintsText = readFileSync(path.join(root, page.hints), "utf8");
        body += renderHints(md, page.hints, hintsText, env, lesson.id);
      }
    }
    stats.diagrams += env.stats.diagrams;
    const ids = [...body.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!);
    links.addAnchors(page.url, ids);

    const toc = sections.filter((s) => s.level === 2 && s.id).map((s) => ({ id: s.id, text: s.heading }));
    if (page.hints && page.kind === "lesson") toc.push({ id: "hints", text: "Hints" });
    const { prev, next } = neighbours(pages, page);
    const description = sections[0]?.text.slice(0, 200);
    const html = renderShell({
      url: page.url,
      title: page.title,
      pages,
      current: page,
      content: `<article class="markdown">\n${body}</article>`,
      toc,
      prev,
      next,
      diagrams: env.stats.diagrams > 0,
      bodyClass: `page-${page.kind}`,
      ...(description ? { description } : {}),
    });
    outputs.set(page.url, html);
    result.html.push(page.url);
    result.pages.push({ url: page.url, source: page.source, title: page.title, kind: page.kind, ...(page.lesson ? { lessonId: page.lesson.id } : {}) });
  }
  stats.pages = pages.length;

  // Folder listings (each may ask for more), then the files' views.
  const doneDirs = new Set<string>();
  for (let dir = nextOf(links.dirViews, doneDirs); dir !== undefined; dir = nextOf(links.dirViews, doneDirs)) {
    doneDirs.add(dir);
    const url = dir === "." ? "source/index.html" : `source/${dir}/index.html`;
    outputs.set(url, renderDirView(root, dir, pages, links));
    result.html.push(url);
  }
  const doneFiles = new Set<string>();
  for (let file = nextOf(links.sourceViews, doneFiles); file !== undefined; file = nextOf(links.sourceViews, doneFiles)) {
    doneFiles.add(file);
    const url = `source/${file}.html`;
    outputs.set(url, renderSourceView(root, file, pages, links));
    result.html.push(url);
  }
  stats.dirViews = doneDirs.size;
  stats.sourceViews = doneFiles.size;
  for (const file of links.copies) outputs.set(`files/${file}`, readFileSync(path.join(root, file)));
  links.checkFragments();
  errors.push(...links.errors);

  // Assets: ours, highlight.js's theme, the browser builds of mermaid and minisearch.
  for (const name of readdirSync(ASSETS)) outputs.set(`assets/${name}`, readFileSync(path.join(ASSETS, name)));
  const noSourceMap = (file: string) => readFileSync(file, "utf8").replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n");
  outputs.set("assets/hljs.css", readFileSync(packageFile("highlight.js", "styles/github.css")));
  outputs.set("assets/mermaid.min.js", noSourceMap(packageFile("mermaid", "dist/mermaid.min.js")));
  outputs.set("assets/minisearch.js", noSourceMap(packageFile("minisearch", "dist/umd/index.js")));
  outputs.set("assets/search-index.js", search.script());
  stats.searchSections = search.size;

  if (errors.length > 0) {
    stats.ms = Math.round(performance.now() - started);
    return result;
  }

  // Write: empty the folder first, but only one an earlier build made (or an empty one).
  if (existsSync(out)) {
    const entries = readdirSync(out);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      errors.push(`${out}: not empty and not a site this tool built (no ${MARKER} in it); choose another --out or empty it`);
      stats.ms = Math.round(performance.now() - started);
      return result;
    }
    await rm(out, { recursive: true, force: true });
  }
  outputs.set(MARKER, "Built by npm run docs (tools/site/build.ts); the next build empties this folder.\n");
  const dirs = new Set([...outputs.keys()].map((f) => path.dirname(path.join(out, f))));
  for (const dir of [...dirs].sort()) await mkdir(dir, { recursive: true });
  await Promise.all(
    [...outputs].map(([file, content]) => {
      stats.bytes += typeof content === "string" ? Buffer.byteLength(content) : content.length;
      return writeFile(path.join(out, file), content);
    }),
  );
  stats.files = outputs.size;
  stats.ms = Math.round(performance.now() - started);
  result.ok = true;
  return result;
}

/** A file of an installed package (node_modules of this repository or a folder above). */
function packageFile(pkg: string, file: string): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", pkg, file);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`cannot find ${pkg}/${file} in node_modules (run npm ci)`);
  }
}

function nextOf(set: ReadonlySet<string>, done: ReadonlySet<string>): string | undefined {
  for (const item of set) if (!done.has(item)) return item;
  return undefined;
}

const USAGE = `usage: npm run docs [-- --out DIR] [--strict]

Builds the course website (lessons, hints, guides, source views, search) into
dist/site/, or DIR. Broken links, missing excerpt files or blocks, and unknown
diagrams stop the build with file:line; nothing is written then.

  --out DIR   where to build (default dist/site; emptied first, if a build made it)
  --strict    a README excerpt that differs from its file is an error (default: a
              warning; the site always shows the code as it is in the file)
  --help      this text

Then: npm run docs:serve (or open DIR/index.html).`;

export async function main(argv: readonly string[], log = (s: string) => console.log(s), fail = (s: string) => console.error(s)): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      options: { out: { type: "string" }, strict: { type: "boolean", default: false }, help: { type: "boolean", default: false } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    fail(`docs: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    log(USAGE);
    return 0;
  }
  // `npm run` runs in the package root; INIT_CWD is where the command was typed.
  const out = args.out ? path.resolve(process.env["INIT_CWD"] ?? process.cwd(), args.out) : path.join(REPO_ROOT, DEFAULT_OUT);
  const result = await buildSite({ out, strict: args.strict });
  for (const w of result.warnings) fail(`warning: ${w}`);
  if (!result.ok) {
    for (const e of result.errors) fail(e);
    fail(`docs: ${result.errors.length} error${result.errors.length === 1 ? "" : "s"}; nothing written`);
    return 1;
  }
  const s = result.stats;
  const shown = path.relative(process.env["INIT_CWD"] ?? process.cwd(), out) || ".";
  log(
    `docs: ${s.pages} pages, ${s.sourceViews} source views, ${s.dirViews} folder listings, ${s.excerpts} excerpts, ${s.diagrams} diagrams, ` +
      `${s.searchSections} search sections -> ${shown}/ (${s.files} files, ${(s.bytes / 1e6).toFixed(1)} MB) in ${(s.ms / 1000).toFixed(1)} s`,
  );
  log(`open ${path.join(shown, "index.html")}, or: npm run docs:serve`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
