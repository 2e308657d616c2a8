// Which pages the site has, in reading order: the home page (README.md), the FTP primer, the
// lessons in manifest order (each README with its hints.md folded in, then its reference.md), then the other guides
// of docs/. The order gives the left navigation and every page's prev/next links.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Lesson } from "../curriculum/manifest.ts";

export type Section = "Start" | "Lessons" | "Guides";

export interface Page {
  kind: "home" | "lesson" | "doc";
  section: Section;
  /** The Markdown file, relative to the repository root ("lessons/06-active-passive/README.md"). */
  source: string;
  /** The output file, relative to the site root ("lessons/06-active-passive/index.html"). */
  url: string;
  /** The page's own title (its first "# " heading). */
  title: string;
  /** What the navigation calls it ("6. Active versus passive"). */
  navTitle: string;
  lesson?: Lesson;
  /** lessons/NN-slug/hints.md, when the lesson has one. */
  hints?: string;
}

/** Guides shown in this order; other docs/*.md follow alphabetically. */
const GUIDE_ORDER = ["architecture.md", "security.md", "teachers.md", "curriculum.md"];
const PRIMER = "ftp-primer.md";

/** The first "# " heading of a Markdown text (outside code fences), or null. */
export function firstHeading(markdown: string): string | null {
  let fence: string | null = null;
  for (const line of markdown.split(/\r?\n/)) {
    const f = /^\s*(`{3,}|~{3,})/.exec(line);
    if (f) {
      if (fence === null) fence = f[1]!;
      else if (f[1]![0] === fence[0] && f[1]!.length >= fence.length) fence = null;
      continue;
    }
    if (fence !== null) continue;
    const h = /^#\s+(.*?)\s*#*\s*$/.exec(line);
    if (h) return h[1]!.replace(/`/g, "");
  }
  return null;
}

/** The site's pages in reading order; problems (a lesson without README.md) go to `errors`. */
export function planPages(root: string, lessons: readonly Lesson[], errors: string[]): Page[] {
  const read = (file: string) => readFileSync(path.join(root, file), "utf8");
  const pages: Page[] = [];
  if (existsSync(path.join(root, "README.md"))) {
    pages.push({ kind: "home", section: "Start", source: "README.md", url: "index.html", title: firstHeading(read("README.md")) ?? "Home", navTitle: "Home" });
  }
  const docs = existsSync(path.join(root, "docs"))
    ? readdirSync(path.join(root, "docs"), { withFileTypes: true })
        .filter((d) => d.isFile() && d.name.endsWith(".md"))
        .map((d) => d.name)
    : [];
  const doc = (name: string, section: Section): Page => {
    const source = `docs/${name}`;
    const title = firstHeading(read(source)) ?? name.replace(/\.md$/, "");
    // "Architecture: how the final server fits together" -> "Architecture" in the navigation.
    const navTitle = title.split(/:\s/)[0]!;
    return { kind: "doc", section, source, url: `docs/${name.replace(/\.md$/, ".html")}`, title, navTitle };
  };
  if (docs.includes(PRIMER)) pages.push(doc(PRIMER, "Start"));

  for (const lesson of lessons) {
    const source = `${lesson.dir}/README.md`;
    if (!existsSync(path.join(root, source))) {
      errors.push(`${source}:1: lesson ${lesson.id} (${lesson.slug}) is in lessons/manifest.json but has no README.md`);
      continue;
    }
    const title = firstHeading(read(source)) ?? `Lesson ${lesson.id}`;
    const short = title.replace(/^Lesson\s+\d+\s*[:.-]\s*/i, "");
    const hints = `${lesson.dir}/hints.md`;
    pages.push({
      kind: "lesson",
      section: "Lessons",
      source,
      url: `${lesson.dir}/index.html`,
      title,
      navTitle: `${lesson.id}. ${short}`,
      lesson,
      ...(existsSync(path.join(root, hints)) ? { hints } : {}),
    });
    // How the reference does it: a page of its own right after the lesson, for after it passes
    // (the lesson page itself never shows the reference's code).
    const reference = `${lesson.dir}/reference.md`;
    if (existsSync(path.join(root, reference))) {
      const refTitle = firstHeading(read(reference)) ?? `Lesson ${lesson.id}: the reference`;
      pages.push({ kind: "doc", section: "Lessons", source: reference, url: `${lesson.dir}/reference.html`, title: refTitle, navTitle: `${lesson.id}. After you pass` });
    }
  }

  const rest = docs.filter((d) => d !== PRIMER);
  rest.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
  for (const name of rest) pages.push(doc(name, "Guides"));
  return pages;
}

function rank(name: string): number {
  const i = GUIDE_ORDER.indexOf(name);
  return i === -1 ? GUIDE_ORDER.length : i;
}

/** The page before and after `page` in reading order. */
export function neighbours(pages: readonly Page[], page: Page): { prev: Page | null; next: Page | null } {
  const i = pages.indexOf(page);
  return { prev: pages[i - 1] ?? null, next: pages[i + 1] ?? null };
}
