// Links between pages, to docs and to source files, resolved at build time.
//
// A relative link in a Markdown file is a path from that file's folder:
//   - to a Markdown file that is a page (a lesson README, docs/*.md, README.md): that page;
//   - to a lesson's hints.md: the hints section of the lesson's page;
//   - to a folder: its README's page, or a listing of the folder (source/DIR/index.html);
//   - to a source or text file (final/src/..., lessons/NN/src/...): its source view,
//     source/PATH.html (highlighted, numbered lines, #L12 or #L12-L20 for lines);
//   - to an image or other binary file: a copy in the site, files/PATH.
// Anything else (a missing file, a path leaving the repository, an absolute path, a #fragment
// naming no heading) is a build error with file:line. Inline code that names an existing file
// (`src/data/address.ts`, `docs/ftp-primer.md`) becomes a link too, silently when it does not.

import { statSync } from "node:fs";
import path from "node:path";
import type { Page } from "./pages.ts";

/** Folders that are never part of the site. */
const EXCLUDED = new Set(["node_modules", ".git", "dist", ".lab", ".tmp", "coverage"]);
const BINARY = new Set(["png", "jpg", "jpeg", "gif", "webp", "svg", "ico", "pdf", "zip", "gz", "tgz", "woff", "woff2", "pem", "der", "bin"]);

interface PendingFragment {
  where: string;
  href: string;
  url: string;
  fragment: string;
}

/** Where a link points, relative to the site root. */
export type Target =
  | { kind: "external"; href: string }
  | { kind: "page" | "source" | "dir" | "file"; url: string; fragment: string };

export class Links {
  readonly errors: string[] = [];
  /** Files that need a source view (repository paths). */
  readonly sourceViews = new Set<string>();
  /** Folders that need a listing. */
  readonly dirViews = new Set<string>();
  /** Files copied into the site as they are. */
  readonly copies = new Set<string>();
  /** Ids on each page (site-relative url -> ids), filled as pages are rendered. */
  readonly anchors = new Map<string, Set<string>>();
  /** Number of lines of each source view, for #L fragments. */
  readonly sourceLines = new Map<string, number>();
  private readonly pending: PendingFragment[] = [];
  private readonly pageBySource = new Map<string, Page>();
  private readonly pageByHints = new Map<string, Page>();

  constructor(
    readonly root: string,
    pages: readonly Page[],
  ) {
    for (const page of pages) {
      this.pageBySource.set(page.source, page);
      if (page.hints) this.pageByHints.set(page.hints, page);
    }
  }

  /**
   * The href to write in page `fromUrl` for `href` written in `fromFile` (repository path) at
   * `line`; on a broken link, records an error and returns the href unchanged.
   */
  rewrite(fromFile: string, line: number, fromUrl: string, href: string, options: { image?: boolean } = {}): string {
    const where = `${fromFile}:${line}`;
    const target = this.resolve(fromFile, href, options);
    if (typeof target === "string") {
      this.errors.push(`${where}: broken link ${JSON.stringify(href)}: ${target}`);
      return href;
    }
    if (target.kind === "external") return target.href;
    if (target.fragment !== "") this.pending.push({ where, href, url: target.url, fragment: target.fragment });
    const rel = target.url === fromUrl ? "" : relativeUrl(fromUrl, target.url);
    return rel + (target.fragment ? `#${encodeURIComponent(target.fragment).replace(/%2F/g, "/")}` : "");
  }

  /** A link for inline code naming an existing file (`src/data/address.ts`) or lesson folder, or null. */
  autolink(fromFile: string, fromUrl: string, text: string): string | null {
    const name = text.trim();
    if (!/^[\w.@-]+(?:\/[\w.@-]+)*\/?$/.test(name) || name.startsWith("/")) return null;
    if (!name.includes("/")) return null;
    const bases = [path.posix.dirname(fromFile), "."];
    if (fromFile.startsWith("docs/")) bases.push("final/src");
    for (const base of bases) {
      const repoPath = path.posix.normalize(path.posix.join(base, name)).replace(/\/$/, "");
      if (repoPath.startsWith("..") || !this.exists(repoPath)) continue;
      // A folder is linked only when it has a page (a lesson): a listing would publish its
      // whole tree (an explicit [link](folder/) still does that).
      const target = this.resolve(".", repoPath, { noListing: true });
      if (typeof target === "string" || target.kind === "external") continue;
      return relativeUrl(fromUrl, target.url) + (target.fragment ? `#${target.fragment}` : "");
    }
    return null;
  }

  /** Where `href` (written in `fromFile`) points, or why it does not work. */
  resolve(fromFile: string, href: string, options: { image?: boolean; noListing?: boolean }): Target | string {
    const hash = href.indexOf("#");
    const rawPath = (hash === -1 ? href : href.slice(0, hash)).replace(/\?.*$/, "");
    let fragment: string;
    let linkPath: string;
    try {
      fragment = hash === -1 ? "" : decodeURIComponent(href.slice(hash + 1));
      linkPath = decodeURIComponent(rawPath);
    } catch {
      return "not a valid URL (bad % escape)";
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(linkPath)) {
      if (/^(https?|mailto):/i.test(linkPath)) return { kind: "external", href };
      return `the scheme ${linkPath.split(":")[0]}: does not work in the site (use a relative path or https:)`;
    }
    if (linkPath.startsWith("//")) return { kind: "external", href };
    if (linkPath === "") {
      // Same page.
      const page = this.pageBySource.get(fromFile) ?? this.pageByHints.get(fromFile);
      if (!page) return "a #fragment link outside a page";
      return { kind: "page", url: page.url, fragment };
    }
    if (linkPath.startsWith("/")) return `an absolute path; write it relative to ${fromFile}`;
    const repoPath = path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), linkPath)).replace(/\/$/, "");
    if (repoPath === ".." || repoPath.startsWith("../")) return "it points outside the repository";
    const top = repoPath.split("/")[0]!;
    if (EXCLUDED.has(top)) return `${top}/ is not part of the course`;
    const stat = this.stat(repoPath);
    if (!stat) return `${repoPath} does not exist`;

    if (stat.isDirectory()) {
      const readme = repoPath === "." ? "README.md" : `${repoPath}/README.md`;
      const page = this.pageBySource.get(readme);
      if (page) return { kind: "page", url: page.url, fragment };
      if (options.noListing) return `${repoPath} is a folder`;
      this.dirViews.add(repoPath);
      return { kind: "dir", url: dirViewUrl(repoPath), fragment };
    }
    const page = this.pageBySource.get(repoPath);
    if (page) return { kind: "page", url: page.url, fragment };
    const lessonPage = this.pageByHints.get(repoPath);
    if (lessonPage) return { kind: "page", url: lessonPage.url, fragment: fragment || "hints" };
    const ext = /\.([^./]+)$/.exec(repoPath)?.[1]?.toLowerCase() ?? "";
    if (options.image || BINARY.has(ext)) {
      this.copies.add(repoPath);
      return { kind: "file", url: `files/${repoPath}`, fragment };
    }
    this.sourceViews.add(repoPath);
    return { kind: "source", url: sourceViewUrl(repoPath), fragment };
  }

  /** Records the ids a generated page has. */
  addAnchors(url: string, ids: Iterable<string>): void {
    const set = this.anchors.get(url) ?? new Set<string>();
    for (const id of ids) set.add(id);
    this.anchors.set(url, set);
  }

  /** After every page is made: checks each #fragment against the ids of its page. */
  checkFragments(): void {
    for (const p of this.pending) {
      const ids = this.anchors.get(p.url);
      if (ids?.has(p.fragment)) continue;
      const lines = this.sourceLines.get(p.url);
      if (lines !== undefined) {
        const m = /^L(\d+)(?:-L(\d+))?$/.exec(p.fragment);
        if (m && Number(m[1]) >= 1 && Number(m[2] ?? m[1]) <= lines && Number(m[1]) <= Number(m[2] ?? m[1])) continue;
        this.errors.push(`${p.where}: broken link ${JSON.stringify(p.href)}: #${p.fragment} is not a line of the file (use #L1 .. #L${lines}, or #L3-L9)`);
        continue;
      }
      const known = ids ? [...ids].filter((id) => !/^(hint-\d+)$/.test(id)).slice(0, 12) : [];
      this.errors.push(
        `${p.where}: broken link ${JSON.stringify(p.href)}: no heading #${p.fragment} on ${p.url}` + (known.length ? ` (it has: ${known.map((k) => `#${k}`).join(", ")})` : ""),
      );
    }
  }

  private exists(repoPath: string): boolean {
    return !EXCLUDED.has(repoPath.split("/")[0]!) && this.stat(repoPath) !== null;
  }

  private stat(repoPath: string) {
    try {
      return statSync(path.join(this.root, repoPath));
    } catch {
      return null;
    }
  }
}

export function sourceViewUrl(repoPath: string): string {
  return `source/${repoPath}.html`;
}

export function dirViewUrl(repoPath: string): string {
  return repoPath === "." ? "source/index.html" : `source/${repoPath}/index.html`;
}

/** `to` as seen from the page `from` (both relative to the site root). */
export function relativeUrl(from: string, to: string): string {
  const rel = path.posix.relative(path.posix.dirname(from), to) || path.posix.basename(to);
  return encodeURI(rel);
}

export function isExcluded(name: string): boolean {
  return EXCLUDED.has(name);
}
