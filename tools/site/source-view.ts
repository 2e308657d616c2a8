// GitHub-style views of the repository's files, so that links to source files work offline:
// source/PATH.html shows a file highlighted with numbered lines (#L12 and #L12-L20 mark
// lines), source/DIR/index.html lists a folder.

import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { escapeHtml, highlightLines, languageForFile } from "./highlight.ts";
import { dirViewUrl, isExcluded, relativeUrl, sourceViewUrl, type Links } from "./links.ts";
import type { Page } from "./pages.ts";
import { renderShell } from "./template.ts";

/**
 * "ftp-lab / final / src / data / address.ts": the first links to the home page, a folder links
 * to its listing when that folder is published (itself or a folder above it has a listing).
 */
function breadcrumbs(url: string, repoPath: string, links: Links, isDir: boolean): string {
  const parts = repoPath === "." ? [] : repoPath.split("/");
  const crumbs = [`<a href="${escapeHtml(relativeUrl(url, "index.html"))}">ftp-lab</a>`];
  const published = (sub: string) => [...links.dirViews].some((d) => sub === d || sub.startsWith(`${d}/`));
  parts.forEach((part, i) => {
    const sub = parts.slice(0, i + 1).join("/");
    const last = i === parts.length - 1;
    if (last) crumbs.push(`<span aria-current="page">${escapeHtml(part)}${isDir ? "/" : ""}</span>`);
    else if (published(sub)) crumbs.push(`<a href="${escapeHtml(relativeUrl(url, dirViewUrl(sub)))}">${escapeHtml(part)}</a>`);
    else crumbs.push(`<span>${escapeHtml(part)}</span>`);
  });
  return `<nav class="breadcrumbs" aria-label="Folders">${crumbs.join('<span class="sep">/</span>')}</nav>`;
}

/** The source view of one file. */
export function renderSourceView(root: string, repoPath: string, pages: readonly Page[], links: Links): string {
  const url = sourceViewUrl(repoPath);
  const buffer = readFileSync(path.join(root, repoPath));
  const binary = buffer.subarray(0, 8000).includes(0);
  let body: string;
  let lineCount = 0;
  if (binary) {
    links.copies.add(repoPath);
    body = `<p>A binary file (${buffer.length} bytes): <a href="${escapeHtml(relativeUrl(url, `files/${repoPath}`))}">download it</a>.</p>`;
  } else {
    let text = buffer.toString("utf8").replace(/\r\n/g, "\n");
    if (text.endsWith("\n")) text = text.slice(0, -1);
    const language = languageForFile(repoPath);
    const lines = highlightLines(text, language);
    lineCount = lines.length;
    // One block per line in a <pre> (cheaper to lay out than a table of hundreds of rows).
    const rows = lines.map((html, i) => `<span class="line" id="L${i + 1}"><a class="ln" href="#L${i + 1}">${i + 1}</a>${html}</span>`).join("");
    const cls = `source hljs${language ? ` language-${language}` : ""}`;
    body =
      `<div class="file-meta">${lineCount} lines · ${buffer.length} bytes${language ? ` · ${escapeHtml(language)}` : ""}</div>\n` +
      `<pre class="${cls}" style="--digits: ${String(lineCount).length}"><code>${rows}</code></pre>`;
  }
  links.sourceLines.set(url, lineCount);
  const content = `${breadcrumbs(url, repoPath, links, false)}\n<h1 class="source-title">${escapeHtml(path.posix.basename(repoPath))}</h1>\n${body}`;
  return renderShell({ url, title: repoPath, pages, current: null, content, bodyClass: "page-source" });
}

/** The listing of one folder (subfolders and files, each linked to its own view). */
export function renderDirView(root: string, repoPath: string, pages: readonly Page[], links: Links): string {
  const url = dirViewUrl(repoPath);
  const entries = readdirSync(path.join(root, repoPath), { withFileTypes: true })
    .filter((e) => !isExcluded(e.name) && !e.name.startsWith("."))
    .sort((a, b) => Number(b.isDirectory()) - Number(a.isDirectory()) || (a.name < b.name ? -1 : 1));
  const rows = entries
    .map((e) => {
      const child = repoPath === "." ? e.name : `${repoPath}/${e.name}`;
      if (e.isDirectory()) {
        links.dirViews.add(child);
        return `<li class="dir"><a href="${escapeHtml(relativeUrl(url, dirViewUrl(child)))}">${escapeHtml(e.name)}/</a></li>`;
      }
      links.sourceViews.add(child);
      const size = statSync(path.join(root, child)).size;
      return `<li class="file"><a href="${escapeHtml(relativeUrl(url, sourceViewUrl(child)))}">${escapeHtml(e.name)}</a><span class="size">${size} bytes</span></li>`;
    })
    .join("\n");
  const content = `${breadcrumbs(url, repoPath, links, true)}\n<h1 class="source-title">${escapeHtml(repoPath === "." ? "ftp-lab" : `${repoPath}/`)}</h1>\n<ul class="listing">\n${rows}\n</ul>`;
  return renderShell({ url, title: repoPath === "." ? "Files" : `${repoPath}/`, pages, current: null, content, bodyClass: "page-source" });
}
